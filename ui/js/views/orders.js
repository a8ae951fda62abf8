// Orders and people: the orders with their terms and expiry (and a renewal reminder), and the
// people they name, with the restrained person's description, photo, vehicle and accounts.

import { call } from '../api.js'
import { h, field, input, select, say, clear, lines, orNull, objectUrl, focusHeading } from '../dom.js'
import { app } from '../app.js'
import { describeTerm } from './editor.js'

export async function showOrders(view) {
  const [orders, people] = await Promise.all([call('list_orders'), call('list_people')])
  const name = (id) => people.find((p) => p.id === id)?.name ?? 'Unknown'
  const orderList = h('ul', { class: 'cards', id: 'orders' })
  for (const o of orders) {
    orderList.append(h('li', { class: 'card' },
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
