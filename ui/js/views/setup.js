// First run: choose a passphrase, then see the recovery key once, print it or write it down,
// and confirm before going on.

import { call } from '../api.js'
import { h, field, input, say, focusHeading } from '../dom.js'
import { app, start } from '../app.js'

const MIN_CHARS = 8

/** A plain-language hint, not a gate: the library enforces only the minimum length. */
export function strength(text) {
  const t = text.trim()
  const words = t.split(/\s+/).filter((w) => w.length >= 3).length
  if (t.length < MIN_CHARS) return { level: 0, text: `Too short: use at least ${MIN_CHARS} characters.` }
  if (t.length >= 20 && words >= 4) return { level: 3, text: 'Strong: a long passphrase of several words.' }
  if (t.length >= 14 && (words >= 3 || /[^a-z]/i.test(t))) return { level: 2, text: 'Good. Four or more unrelated words make it stronger.' }
  return { level: 1, text: 'Weak: someone who knows you might guess it. Try four unrelated words, like "lamp river spoon orbit".' }
}

export function showSetup(view) {
  const first = input({ type: 'password', autocomplete: 'new-password', id: 'new-passphrase' })
  const second = input({ type: 'password', autocomplete: 'new-password', id: 'confirm-passphrase' })
  const meter = h('p', { class: 'strength', id: 'strength', 'aria-live': 'polite' }, strength('').text)
  first.addEventListener('input', () => {
    const s = strength(first.value)
    meter.textContent = s.text
    meter.dataset.level = s.level
  })
  const form = h('form', { class: 'card narrow', onsubmit: create },
    h('h1', {}, 'Start your journal'),
    h('p', {}, 'Daybook keeps a private, encrypted record of violations of a protective order, with dates, places, witnesses and files, and makes reports for a court or the police.'),
    h('p', {}, 'Choose a passphrase that the restrained person could not guess. Without it, or the recovery key you will see next, nobody can open this journal - not even you.'),
    field('Passphrase', first),
    meter,
    field('Passphrase again', second),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create my journal')),
  )
  view.append(form)
  first.focus()

  async function create(event) {
    event.preventDefault()
    if (first.value !== second.value) return say('The two passphrases are not the same. Type them again.', 'error')
    if (first.value.trim().length < MIN_CHARS) return say(`Use at least ${MIN_CHARS} characters.`, 'error')
    const button = form.querySelector('button[type=submit]')
    button.disabled = true
    button.textContent = 'Creating… (this takes a second: it makes the passphrase hard to guess)'
    try {
      const { recovery_key: key } = await call('create_journal', { passphrase: first.value })
      first.value = second.value = ''
      app.status = await call('status')
      showRecoveryKey(view, key)
    } catch (error) {
      say(error.message, 'error')
      button.disabled = false
      button.textContent = 'Create my journal'
    }
  }
}

function showRecoveryKey(view, key) {
  view.replaceChildren()
  const saved = h('input', { type: 'checkbox', id: 'saved-key' })
  // Copying a key by hand makes no key presses: keep auto-lock from clearing it meanwhile.
  const keepAlive = setInterval(() => call('activity').catch(() => {}), 30000)
  const go = h('button', { type: 'button', class: 'primary', disabled: true, id: 'continue', onclick: () => { clearInterval(keepAlive); start() } }, 'Continue to my journal')
  saved.addEventListener('change', () => { go.disabled = !saved.checked })
  view.append(h('section', { class: 'card narrow recovery' },
    h('h1', {}, 'Your recovery key'),
    h('p', {}, 'If you forget your passphrase, this key is the only other way in. It is shown this once and is not stored anywhere.'),
    h('p', { class: 'recovery-key', id: 'recovery-key' }, key),
    h('p', {}, 'Print it or write it down, and keep it somewhere the restrained person cannot reach: with a trusted friend, an advocate, or your attorney. Do not save it on this computer.'),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => window.print() }, 'Print the key')),
    h('p', { class: 'check' }, saved, h('label', { for: 'saved-key' }, 'I have printed or written down my recovery key and put it somewhere safe.')),
    h('div', { class: 'actions' }, go),
  ))
  focusHeading(view)
}
