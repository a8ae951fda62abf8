// The unlock screen: passphrase, or the recovery key when the passphrase is lost.

import { call } from '../api.js'
import { h, field, input, say } from '../dom.js'
import { app, start } from '../app.js'

export function showUnlock(view, notice) {
  let recovery = false
  const secret = input({ type: 'password', autocomplete: 'current-password', id: 'passphrase' })
  const label = h('label', { for: 'passphrase' }, 'Passphrase')
  const toggle = h('button', { type: 'button', class: 'link', id: 'use-recovery', onclick: switchMode }, 'I forgot my passphrase: use my recovery key')
  const submit = h('button', { type: 'submit', class: 'primary', id: 'unlock-button' }, 'Unlock')
  const form = h('form', { class: 'card narrow', onsubmit: unlock },
    h('h1', {}, 'Unlock your journal'),
    app.status.demo ? h('p', { class: 'message info' }, 'This is the demo journal, filled with made-up sample entries. Its passphrase is: demo passphrase') : null,
    h('div', { class: 'field' }, label, secret),
    h('div', { class: 'actions' }, submit, toggle),
  )
  view.append(form)
  if (notice) say(notice)
  secret.focus()

  function switchMode() {
    recovery = !recovery
    label.textContent = recovery ? 'Recovery key (starts with AGE-SECRET-KEY-1)' : 'Passphrase'
    secret.type = recovery ? 'text' : 'password'
    secret.autocomplete = recovery ? 'off' : 'current-password'
    secret.spellcheck = false
    toggle.textContent = recovery ? 'Use my passphrase instead' : 'I forgot my passphrase: use my recovery key'
    secret.value = ''
    secret.focus()
  }

  async function unlock(event) {
    event.preventDefault()
    submit.disabled = true
    submit.textContent = 'Unlocking…'
    try {
      const { notices } = await call('unlock', { secret: secret.value, recovery })
      window.daybookUnlockedAt = performance.now()
      secret.value = ''
      await start()
      const advice = recovery ? ['Opened with your recovery key. Choose a new passphrase in Settings now.'] : []
      if (advice.length || notices.length) say([...advice, ...notices].join(' '), 'warning')
    } catch (error) {
      submit.disabled = false
      submit.textContent = 'Unlock'
      say(error.message, 'error')
      secret.select()
    }
  }
}
