// Quick add (Ctrl+N from anywhere): when, what kind, what happened. Date and time start at now
// on this computer's clock; everything else can wait for the full editor.

import { call } from '../api.js'
import { h, field, input, say, nowLocal, localZone, quickExitButton } from '../dom.js'
import { app } from '../app.js'
import { openEditor } from './editor.js'

const COMMON = ['direct_contact', 'phone_call', 'text_message', 'social_media', 'came_within_distance', 'threat']

export function openQuickAdd() {
  if (document.getElementById('quick-add')) return
  const now = nowLocal()
  const date = input({ type: 'date', id: 'qa-date', value: now.date, required: true })
  const time = input({ type: 'time', id: 'qa-time', value: now.time, required: true })
  const description = h('textarea', { id: 'qa-description', rows: 4 })
  const kinds = h('fieldset', { class: 'kinds' }, h('legend', {}, 'What kind'),
    app.vocabulary.incident_kinds.filter((k) => COMMON.includes(k.key)).map((k) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', value: k.key }), k.label)))
  const error = h('p', { class: 'message error', role: 'alert', hidden: true })
  const dialog = h('dialog', { id: 'quick-add', 'aria-labelledby': 'qa-title' },
    h('form', { method: 'dialog', onsubmit: (e) => save(e, false) },
      h('h2', { id: 'qa-title' }, 'Record what happened'),
      h('div', { class: 'row' }, field('Date', date), field('Time', time)),
      kinds,
      field('What happened', description, 'Facts only. You can add details, witnesses and files next.'),
      error,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', id: 'qa-save' }, 'Save'),
        h('button', { type: 'button', id: 'qa-more', onclick: (e) => save(e, true) }, 'Save and add details or files'),
        h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
        quickExitButton())))
  dialog.addEventListener('close', () => dialog.remove())
  document.body.append(dialog)
  dialog.showModal()
  description.focus()

  async function save(event, more) {
    event.preventDefault()
    const input = {
      occurred_at: `${date.value}T${time.value}`,
      timezone: localZone(),
      kinds: [...kinds.querySelectorAll('input:checked')].map((c) => c.value),
      description: description.value.trim(),
    }
    try {
      const saved = await call('add_incident', { input })
      dialog.close()
      if (more) {
        await openEditor(saved.id)
      } else if (app.view.dataset.screen === 'timeline') {
        const { go } = await import('../app.js')
        await go('timeline')
      }
      say(`Saved as incident #${saved.number}.`, 'success')
    } catch (e) {
      error.hidden = false
      error.textContent = e.message
    }
  }
}
