// Settings: auto-lock delay, renewal reminder, passphrase change, and where the journal lives.

import { call } from '../api.js'
import { h, field, input, say } from '../dom.js'
import { app } from '../app.js'
import { strength } from './setup.js'

export async function showSettings(view) {
  const settings = await call('get_settings')
  const idle = input({ type: 'number', id: 'idle-minutes', min: 1, max: 60, value: settings.idle_lock_minutes })
  const renewal = input({ type: 'number', id: 'renewal-days', min: 1, max: 365, value: settings.renewal_window_days })
  const saveSettings = async (event) => {
    event.preventDefault()
    try {
      await call('set_settings', { settings: { idle_lock_minutes: Number(idle.value), renewal_window_days: Number(renewal.value) } })
      say('Settings saved.', 'success')
    } catch (error) {
      say(error.message, 'error')
    }
  }
  const recovered = app.status.unlocked_with === 'recovery_key'
  const current = input({ type: 'password', id: 'current-passphrase', autocomplete: 'current-password' })
  const next = input({ type: 'password', id: 'next-passphrase', autocomplete: 'new-password' })
  const again = input({ type: 'password', id: 'next-passphrase-again', autocomplete: 'new-password' })
  const meter = h('p', { class: 'strength', 'aria-live': 'polite' })
  next.addEventListener('input', () => { meter.textContent = strength(next.value).text })
  const change = async (event) => {
    event.preventDefault()
    if (next.value !== again.value) return say('The two new passphrases are not the same.', 'error')
    try {
      await call('change_passphrase', { current: recovered ? null : current.value, new: next.value })
      current.value = next.value = again.value = ''
      app.status = await call('status')
      say('Passphrase changed. Your recovery key still works.', 'success')
    } catch (error) {
      say(error.message, 'error')
    }
  }
  view.append(
    h('h1', {}, 'Settings'),
    h('form', { class: 'card', onsubmit: saveSettings },
      h('h2', {}, 'Safety'),
      field('Lock after this many minutes without use', idle, 'Daybook also locks when the computer goes to sleep.'),
      field('Remind me this many days before an order expires', renewal),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'save-settings' }, 'Save settings'))),
    h('form', { class: 'card', onsubmit: change },
      h('h2', {}, 'Change passphrase'),
      recovered ? h('p', { class: 'message warning' }, 'You opened the journal with your recovery key. Choose a new passphrase.') : field('Current passphrase', current),
      field('New passphrase', next), meter,
      field('New passphrase again', again),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'change-passphrase' }, 'Change passphrase'))),
    historySection(),
    h('section', { class: 'card' },
      h('h2', {}, 'Your journal folder'),
      h('p', { class: 'file' }, app.status.folder),
      h('p', {}, 'To back up, copy this whole folder (with Daybook closed) to a USB stick or a place the restrained person cannot reach. It stays encrypted; you need your passphrase or recovery key to open a copy.')))
}

/** Where the whole-history check after unlock stands; app.js redraws it when the check ends. */
export function historySection() {
  const status = app.status.history
  const text = {
    checking: 'Daybook is checking every change recorded since the journal began. You can keep working meanwhile.',
    intact: `All ${status.revisions?.toLocaleString('en-US')} recorded changes were checked after you unlocked: none was altered or removed since it was saved.`,
    problem: status.message,
  }[status.state]
  if (!text) return null
  return h('section', { class: 'card', id: 'history-status' },
    h('h2', {}, 'Your journal\'s history'),
    h('p', { class: status.state === 'problem' ? 'message error' : '', role: 'status' }, text))
}
