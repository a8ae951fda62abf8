// Orders and people: the orders with their terms and expiry (and a renewal reminder), the
// court's papers kept with each (pictures of pages shown from decrypted bytes in memory only),
// and the people they name, with the restrained person's description, photo, vehicle and
// accounts.

import { call } from '../api.js'
import { h, field, input, select, say, clear, lines, orNull, objectUrl, focusHeading, quickExitButton } from '../dom.js'
import { app, showBusy, hideBusy } from '../app.js'
import { describeTerm, sizeText } from './editor.js'

export async function showOrders(view) {
  const [orders, people] = await Promise.all([call('list_orders'), call('list_people')])
  const name = (id) => people.find((p) => p.id === id)?.name ?? 'Unknown'
  const orderList = h('ul', { class: 'cards', id: 'orders' })
  for (const o of orders) {
    orderList.append(h('li', { class: 'card', dataset: { order: o.id } },
      h('h3', {}, `${o.kind_label}, case ${o.case_number}`),
      renewalNotice(o.renewal, o.expires_on),
      h('dl', { class: 'facts' },
        fact('Court', `${o.court} (${o.state})`),
        fact('Issued', o.issued_on), fact('Served', o.served_on ?? 'Not recorded'),
        fact('Expires', o.expires_on ?? 'No date recorded'),
        fact('Restrained person', o.respondent_id ? name(o.respondent_id) : 'Not recorded'),
        fact('Protected', o.protected_person_ids.map(name).join(', ') || 'Not recorded')),
      h('h4', {}, 'Terms'),
      h('ul', {}, o.terms.map((t) => h('li', {}, `${t.id}: ${describeTerm(t)}`))),
      papers(view, o),
      h('button', { type: 'button', onclick: () => orderForm(view, o, people) }, 'Edit this order')))
  }
  const peopleList = h('ul', { class: 'cards', id: 'people' })
  for (const p of people) {
    const photo = h('div', { class: 'photo' })
    if (p.photo_id) {
      call('attachment_bytes', { id: p.photo_id }).then((bytes) => {
        photo.append(h('img', { src: objectUrl(bytes), alt: `Photo of ${p.name}` }))
      }).catch(() => {})
    }
    peopleList.append(h('li', { class: 'card person' }, photo,
      h('div', {},
        h('h3', {}, p.name, h('span', { class: 'badge' }, p.role_label)),
        h('dl', { class: 'facts' },
          p.description ? fact('Description', p.description) : null,
          p.vehicle ? fact('Vehicle', p.vehicle) : null,
          p.phones?.length ? fact('Phone numbers', p.phones.join(', ')) : null,
          p.accounts?.length ? fact('Accounts', p.accounts.join(', ')) : null,
          p.weapons ? fact('Weapons', p.weapons) : null),
        h('div', { class: 'actions' },
          h('button', { type: 'button', onclick: () => personForm(view, p) }, 'Edit'),
          h('button', { type: 'button', onclick: () => addPhoto(view, p) }, p.photo_id ? 'Replace photo…' : 'Add a photo…')))))
  }
  view.append(
    h('div', { class: 'title-row' }, h('h1', {}, 'Orders and people'),
      h('button', { type: 'button', class: 'primary', id: 'add-order', onclick: () => orderForm(view, null, people) }, 'Add an order'),
      h('button', { type: 'button', onclick: () => personForm(view, null) }, 'Add a person')),
    h('h2', {}, 'Orders'), orders.length ? orderList : h('p', { class: 'empty' }, 'No orders yet. Add the order you have from the court: its case number, dates and terms.'),
    h('h2', {}, 'People'), people.length ? peopleList : h('p', { class: 'empty' }, 'No people yet.'))
}

// What a paper kept with an order is, as the person chooses it when adding one.
const PAPER_KINDS = [['order', 'The order itself'], ['proof_of_service', 'Proof of service'], ['other', 'Another paper']]

/**
 * The court's papers kept with an order: what each is, its file, size and fingerprint, and
 * pictures of pages shown from memory. A web view here cannot draw a PDF, so for the order
 * the list says instead whether its pages can be added to the officer sheet and notices.
 */
function papers(view, order) {
  const status = h('div', { class: 'pages-status', 'aria-live': 'polite' })
  const list = h('ul', { class: 'papers' }, order.papers.map((p) => paperItem(p)))
  const kind = select(PAPER_KINDS, order.papers.some((p) => p.kind === 'order') ? 'proof_of_service' : 'order', { id: `paper-kind-${order.id}`, class: 'paper-kind' })
  if (order.papers.length) {
    status.append(h('p', { class: 'hint' }, 'Checking whether the order\'s pages can be added to the officer sheet…'))
    call('order_pages_status', { orderId: order.id }).then((s) => {
      status.replaceChildren(s.ready
        ? h('p', { class: 'message success' }, `Ready to add after the officer sheet or a notice (under Export): ${plural(s.pages, 'page')} of the order${order.papers.some((p) => p.kind === 'proof_of_service') ? ' and its proof of service' : ''}.`)
        : h('p', { class: 'message warning' }, s.problem))
    }).catch((error) => status.replaceChildren(h('p', { class: 'message error' }, error.message)))
  }
  return h('section', { class: 'order-papers', 'aria-label': `Papers of case ${order.case_number}` },
    h('h4', {}, 'Papers from the court'),
    order.papers.length ? list : h('p', { class: 'empty' }, 'None kept yet. Keep the court\'s PDF or photos of the order\'s pages here: they are encrypted like everything else, at hand when you need them, and can be added to the officer sheet.'),
    status,
    h('div', { class: 'row add-papers-row' },
      field('What you are adding', kind),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'add-papers', onclick: () => addPapers(view, order, kind.value) }, 'Add papers…'))))
}

function paperItem(p) {
  const a = p.attachment
  const pdf = a.mime === 'application/pdf'
  const preview = h('div', { class: 'preview' })
  if (a.kind === 'image' && a.size <= 64 * 1024 * 1024) {
    // Decrypted into the window's memory only (a blob URL, released on lock); HEIC and TIFF
    // come back as a JPEG made in memory.
    call('attachment_bytes', { id: a.id }).then((bytes) => {
      const url = objectUrl(bytes, a.mime.startsWith('image/') && !['image/heic', 'image/heif', 'image/avif', 'image/tiff'].includes(a.mime) ? a.mime : 'image/jpeg')
      const alt = `${p.kind_label}: ${a.original_name}`
      preview.replaceChildren(h('button', { type: 'button', class: 'page-thumb', 'aria-label': `View ${alt} larger`, onclick: () => viewPage(url, alt) },
        h('img', { src: url, alt })))
    }).catch((error) => preview.replaceChildren(h('span', { class: 'hint' }, error.message)))
  } else {
    preview.append(h('span', { class: 'doc-mark', 'aria-hidden': 'true' }, pdf ? 'PDF' : 'File'))
  }
  return h('li', { class: 'paper' }, preview,
    h('div', {},
      h('p', { class: 'paper-kind-label' }, h('span', { class: 'badge' }, p.kind_label)),
      h('p', { class: 'file' }, a.original_name),
      h('p', { class: 'hint' }, `${pdf ? 'PDF' : a.kind === 'image' ? 'Picture' : 'File'}, ${sizeText(a.size)}, SHA-256 ${a.sha256.slice(0, 16)}…`),
      pdf ? h('p', { class: 'hint' }, 'A PDF cannot be shown in this window; it is kept exactly as you added it.') : null))
}

/** A picture of a page at full width, in a dialog; focus goes back to where it was. */
function viewPage(url, alt) {
  const before = document.activeElement
  const dialog = h('dialog', { class: 'page-view', id: 'page-view', 'aria-label': alt },
    h('form', { method: 'dialog' },
      h('img', { src: url, alt }),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary' }, 'Close'),
        quickExitButton())))
  dialog.addEventListener('close', () => {
    dialog.remove()
    if (before && typeof before.focus === 'function') before.focus()
  })
  document.body.append(dialog)
  dialog.showModal()
}

async function addPapers(view, order, kind) {
  showBusy('Choose the papers in the window that opens…')
  let result
  try {
    result = await call('pick_order_papers', { orderId: order.id, kind })
  } catch (error) {
    return say(error.message, 'error')
  } finally {
    hideBusy()
  }
  if (!result) return say('Nothing was added: no file was chosen.')
  clear(view)
  await showOrders(view)
  focusHeading(view)
  const problems = result.problems.join(' ')
  const note = result.note ? ` ${result.note}` : ''
  if (result.cancelled) say(`Cancelled. ${result.added} paper(s) were kept before that; nothing half-done was kept. ${problems}`, 'warning')
  else if (problems) say(`${result.added} paper(s) kept with case ${order.case_number}. Not kept: ${problems}${note}`, 'error')
  else if (note) say(`${result.added} paper(s) kept with case ${order.case_number}.${note}`, 'warning')
  else say(`${result.added} paper(s) kept with case ${order.case_number}.`, 'success')
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function fact(term, value) {
  return [h('dt', {}, term), h('dd', {}, value)]
}

function renewalNotice(renewal, expires) {
  switch (renewal.status) {
    case 'expired':
      return h('p', { class: 'message warning' }, `This order expired on ${expires} (${renewal.days_ago} days ago). Ask the court or an advocate about a new order.`)
    case 'renew_soon':
      return h('p', { class: 'message warning' }, `This order expires on ${expires}, in ${renewal.days_left} days. Renewal usually has to be asked for before that date: ask the court clerk or an advocate.`)
    default:
      return null
  }
}

async function addPhoto(view, person) {
  try {
    const added = await call('pick_person_photo', { personId: person.id })
    if (added) {
      clear(view)
      await showOrders(view)
      say('Photo added.', 'success')
    }
  } catch (error) {
    say(error.message, 'error')
  }
}

const TERM_TYPES = [['no_contact', 'No contact'], ['stay_away', 'Stay away'], ['no_firearms', 'No firearms'], ['other', 'Other (write it out)']]

function orderForm(view, order, people) {
  clear(view)
  const o = order ?? { terms: [{ type: 'no_contact' }, { type: 'stay_away', distance: 100, unit: 'yards', places: [] }] }
  const kind = select(app.vocabulary.order_kinds.map((k) => [k.key, k.label]), o.kind ?? 'temporary', { id: 'order-kind' })
  const court = input({ id: 'order-court', value: o.court ?? '' })
  const state = input({ id: 'order-state', value: o.state ?? '', maxlength: 40 })
  const caseNumber = input({ id: 'order-case', value: o.case_number ?? '' })
  const issued = input({ type: 'date', id: 'order-issued', value: o.issued_on ?? '' })
  const served = input({ type: 'date', id: 'order-served', value: o.served_on ?? '' })
  const expires = input({ type: 'date', id: 'order-expires', value: o.expires_on ?? '' })
  const petitioner = input({ id: 'order-petitioner', value: o.petitioner ?? '' })
  const restrained = people.filter((p) => p.role === 'restrained')
  const respondent = select([['', 'Not recorded'], ...restrained.map((p) => [p.id, p.name]), ['new', 'Someone new…']], o.respondent_id ?? '', { id: 'order-respondent' })
  const newName = input({ id: 'order-respondent-name' })
  const newWrap = h('div', { hidden: respondent.value !== 'new' }, field('Restrained person\'s full name', newName))
  respondent.addEventListener('change', () => { newWrap.hidden = respondent.value !== 'new' })
  const protectedBoxes = h('fieldset', {}, h('legend', {}, 'Protected people'),
    people.filter((p) => p.role === 'protected').map((p) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', value: p.id, checked: (o.protected_person_ids ?? []).includes(p.id) }), p.name)))
  const terms = h('div', { class: 'repeat', id: 'terms' })
  const addTerm = (t = { type: 'no_contact' }) => {
    const type = select(TERM_TYPES, t.type)
    const distance = input({ type: 'number', min: 1, value: t.distance ?? '' })
    const unit = select([['yards', 'yards'], ['feet', 'feet'], ['meters', 'meters']], t.unit ?? 'yards')
    const places = input({ value: (t.places ?? []).join(', ') })
    const text = input({ value: t.text ?? '' })
    const row = h('fieldset', { class: 'term', dataset: { id: t.id ?? '' } }, h('legend', {}, t.id ? `Term ${t.id}` : 'New term'),
      field('Kind of term', type),
      h('div', { class: 'row stay' }, field('Distance', distance), field('Unit', unit), field('Places (comma between)', places)),
      field('Term as written', text),
      h('button', { type: 'button', class: 'link', onclick: () => row.remove() }, 'Remove this term'))
    const sync = () => {
      row.querySelector('.stay').hidden = type.value !== 'stay_away'
      text.parentElement.hidden = type.value !== 'other'
    }
    type.addEventListener('change', sync)
    sync()
    row.collect = () => {
      const base = { id: row.dataset.id, type: type.value }
      // Keep "direct only" or "indirect only" as entered; the form does not edit them.
      if (type.value === 'no_contact') return { ...base, direct: t.direct ?? true, indirect: t.indirect ?? true }
      if (type.value === 'stay_away') return { ...base, distance: distance.value ? Number(distance.value) : null, unit: unit.value, places: places.value.split(',').map((s) => s.trim()).filter(Boolean) }
      if (type.value === 'other') return { ...base, text: text.value.trim() }
      return base
    }
    terms.append(row)
  }
  for (const t of o.terms) addTerm(t)

  const save = async (event) => {
    event.preventDefault()
    const respondentRef = respondent.value === 'new' ? (orNull(newName.value) ? { name: newName.value.trim() } : null) : orNull(respondent.value)
    const data = {
      kind: kind.value, court: court.value, state: state.value, case_number: caseNumber.value,
      issued_on: issued.value, served_on: orNull(served.value), expires_on: orNull(expires.value),
      petitioner: orNull(petitioner.value), respondent: respondentRef,
      protected_persons: [...protectedBoxes.querySelectorAll('input:checked')].map((c) => c.value),
      terms: [...terms.querySelectorAll('.term')].map((row) => row.collect()),
      notes: o.notes ?? null,
    }
    try {
      await (order ? call('edit_order', { id: order.id, input: data }) : call('add_order', { input: data }))
      clear(view)
      await showOrders(view)
      say(order ? 'Order saved. The earlier version is kept.' : 'Order added.', 'success')
    } catch (error) {
      say(error.message, 'error')
    }
  }
  view.append(h('form', { class: 'editor', onsubmit: save },
    h('div', { class: 'title-row' }, h('h1', {}, order ? 'Edit order' : 'Add an order'),
      h('button', { type: 'button', class: 'link', onclick: () => { clear(view); showOrders(view) } }, 'Back')),
    h('p', { class: 'hint' }, 'Copy these from the order itself. The certified order is what counts; this is a summary for you, the report and the officer sheet.'),
    h('div', { class: 'row' }, field('Kind of order', kind), field('Case number', caseNumber)),
    h('div', { class: 'row' }, field('Court', court), field('State', state)),
    h('div', { class: 'row' }, field('Issued on', issued), field('Served on', served), field('Expires on', expires)),
    field('Petitioner (as on the order)', petitioner),
    field('Restrained person', respondent), newWrap,
    protectedBoxes,
    h('h2', {}, 'Terms'), terms,
    h('button', { type: 'button', onclick: () => addTerm() }, 'Add a term'),
    h('div', { class: 'actions sticky' }, h('button', { type: 'submit', class: 'primary', id: 'save-order' }, 'Save order'))))
  focusHeading(view)
}

function personForm(view, person) {
  clear(view)
  const p = person ?? { role: 'restrained' }
  const role = select(app.vocabulary.roles.map((r) => [r.key, r.label]), p.role, { id: 'person-role', disabled: !!person })
  const name = input({ id: 'person-name', value: p.name ?? '' })
  const aliases = input({ id: 'person-aliases', value: (p.aliases ?? []).join(', ') })
  const dob = input({ type: 'date', id: 'person-dob', value: p.date_of_birth ?? '' })
  const description = h('textarea', { id: 'person-description', rows: 3 }, p.description ?? '')
  const vehicle = input({ id: 'person-vehicle', value: p.vehicle ?? '' })
  const phones = h('textarea', { id: 'person-phones', rows: 2 }, (p.phones ?? []).join('\n'))
  const accounts = h('textarea', { id: 'person-accounts', rows: 2 }, (p.accounts ?? []).join('\n'))
  const addresses = h('textarea', { id: 'person-addresses', rows: 2 }, (p.addresses ?? []).join('\n'))
  const weapons = input({ id: 'person-weapons', value: p.weapons ?? '' })
  const minor = h('input', { type: 'checkbox', id: 'person-minor', checked: !!p.minor })
  const notes = h('textarea', { id: 'person-notes', rows: 2 }, p.notes ?? '')
  const save = async (event) => {
    event.preventDefault()
    const data = {
      role: role.value, name: name.value, aliases: aliases.value.split(',').map((s) => s.trim()).filter(Boolean),
      date_of_birth: orNull(dob.value), description: orNull(description.value), vehicle: orNull(vehicle.value),
      phones: lines(phones.value), accounts: lines(accounts.value), addresses: lines(addresses.value),
      minor: minor.checked, weapons: orNull(weapons.value), notes: orNull(notes.value),
    }
    try {
      if (person) {
        delete data.role
        await call('edit_person', { id: person.id, input: data })
      } else {
        await call('add_person', { input: data })
      }
      clear(view)
      await showOrders(view)
      say('Saved.', 'success')
    } catch (error) {
      say(error.message, 'error')
    }
  }
  view.append(h('form', { class: 'editor', onsubmit: save },
    h('div', { class: 'title-row' }, h('h1', {}, person ? `Edit ${person.name}` : 'Add a person'),
      h('button', { type: 'button', class: 'link', onclick: () => { clear(view); showOrders(view) } }, 'Back')),
    h('div', { class: 'row' }, field('Who this is', role), field('Full name', name)),
    h('div', { class: 'row' }, field('Other names', aliases), field('Date of birth', dob)),
    field('What they look like', description, 'Height, build, hair, eyes, tattoos or marks: what an officer would look for.'),
    field('Vehicle', vehicle, 'Make, model, colour, plate.'),
    field('Phone numbers (one per line)', phones),
    field('Social media, email and messaging accounts (one per line)', accounts),
    field('Addresses (one per line)', addresses, 'Never printed in a court report: the restrained person reads what is filed.'),
    field('Known weapons', weapons),
    h('p', { class: 'check' }, minor, h('label', { for: 'person-minor' }, 'This person is under 18')),
    field('Notes', notes),
    h('div', { class: 'actions sticky' }, h('button', { type: 'submit', class: 'primary', id: 'save-person' }, 'Save'))))
  focusHeading(view)
}
