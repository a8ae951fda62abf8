// Exports: the court report, the evidence packet and the officer sheet. Files are saved where
// the user chooses in the system's save dialog; nothing else is written.

import { call } from '../api.js'
import { h, field, input, select, say } from '../dom.js'
import { showBusy, hideBusy } from '../app.js'

export async function showExport(view) {
  const orders = await call('list_orders').catch(() => [])
  const orderChoices = [['', 'All orders'], ...orders.map((o) => [o.id, `${o.kind_label}, case ${o.case_number}`])]
  const from = input({ type: 'date', id: 'export-from' })
  const to = input({ type: 'date', id: 'export-to' })
  const order = select(orderChoices, '', { id: 'export-order' })
  const paper = select([['letter', 'US Letter'], ['a4', 'A4']], 'letter', { id: 'export-paper' })
  const redact = select([
    ['none', 'Only my addresses and phone numbers (always left out)'],
    ['federal-civil', 'Federal court, civil case (FRCP 5.2)'],
    ['federal-criminal', 'Federal court, criminal case (Rule 49.1)'],
    ['california', 'California state court (Rule 1.201)'],
    ['texas', 'Texas state court (TRCP 21c)'],
    ['new-york', 'New York state court (22 NYCRR 202.5(e))'],
  ], 'none', { id: 'export-redact' })
  const sheetOrder = select(orders.map((o) => [o.id, `${o.kind_label}, case ${o.case_number}`]), orders[0]?.id ?? '', { id: 'sheet-order' })
  const last = input({ type: 'number', id: 'sheet-last', min: 1, max: 20, value: 5 })
  const result = h('div', { id: 'export-result', 'aria-live': 'polite' })

  const request = () => ({ from: from.value || null, to: to.value || null, order_id: order.value || null, a4: paper.value === 'a4', redact: redact.value })
  const run = async (command, label, args) => {
    result.replaceChildren()
    showBusy(label)
    try {
      const done = await call(command, { request: args })
      if (!done) return say('Not saved: no file was chosen.')
      say(done.summary, 'success')
      result.append(h('p', { class: 'file' }, done.path),
        command === 'export_packet' ? null : h('button', { type: 'button', id: 'open-export', onclick: () => call('open_export', { path: done.path }).catch((e) => say(e.message, 'error')) }, 'Open it'))
    } catch (error) {
      say(error.message, 'error')
    } finally {
      hideBusy()
    }
  }

  view.append(
    h('h1', {}, 'Export'),
    h('p', {}, 'Every export says that Daybook gives general information, not legal advice. Ask the court clerk, an advocate or an attorney what your court needs.'),
    h('p', { class: 'message warning' }, 'A saved export is not locked by your passphrase: anyone using this computer can open it, and a PDF viewer may list it in its recent files. Save it to a USB stick if you can, and delete it once you have handed it over.'),
    h('section', { class: 'card' },
      h('h2', {}, 'Court report (PDF)'),
      h('p', {}, 'For a judge or an attorney: every incident in the order it happened, with the exhibits, a list of exhibits with a fingerprint of each file that shows it was not changed, any corrections, and a declaration page to sign. Home and work addresses of protected people are left out.'),
      h('div', { class: 'row' }, field('From', from), field('To', to), field('Order', order), field('Paper', paper)),
      field('What to leave out', redact, 'ID and account numbers, birth dates and children\'s names, as the court\'s privacy rule asks. Ask the clerk which rule applies.'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', id: 'export-report', onclick: () => run('export_report', 'Making the court report…', request()) }, 'Save the court report…'),
        h('button', { type: 'button', id: 'export-packet', onclick: () => run('export_packet', 'Making the evidence packet…', request()) }, 'Save an evidence packet…')),
      h('p', { class: 'hint' }, 'The evidence packet is a folder with the report, every original file byte for byte, and a signed list of fingerprints that anyone can check.')),
    h('section', { class: 'card' },
      h('h2', {}, 'Officer sheet (one page)'),
      h('p', {}, 'To hand to police at the door: the order, its terms, the restrained person with photo, and the latest violations. Not for filing.'),
      h('div', { class: 'row' }, field('Order', sheetOrder), field('How many recent incidents', last)),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', id: 'export-sheet', onclick: () => run('export_officer_sheet', 'Making the officer sheet…', { order_id: sheetOrder.value || null, last: Number(last.value) || 5, a4: paper.value === 'a4' }) }, 'Save the officer sheet…'))),
    result)
}
