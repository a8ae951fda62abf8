// The full incident editor: every field, witnesses, police contact, order and term, and the
// attachments with thumbnails and audio made from decrypted bytes held in memory only.

import { call, on } from '../api.js'
import { h, field, input, select, say, clear, lines, orNull, nowLocal, localZone, formatLocal, ask, objectUrl, revokeAllUrls, focusHeading } from '../dom.js'
import { app, go, showBusy, hideBusy } from '../app.js'

let current = null // { id } of the incident open in the editor, for dropped files

export async function openEditor(id, prefill) {
  const view = app.view
  revokeAllUrls()
  const incident = id ? await call('get_incident', { id }) : null
  const orders = await call('list_orders')
  // Built only after both answers came: if the journal locked meanwhile, a call failed and
  // nothing of the incident is drawn under the unlock screen.
  clear(view)
  view.dataset.screen = 'editor'
  current = incident ? { id } : null
  view.append(form(incident, orders, prefill))
  focusHeading(view)
}

function splitLocal(local) {
  const [date, time = ''] = (local || '').split('T')
  return { date, time: time.slice(0, 5) }
}

function form(incident, orders, prefill = {}) {
  const now = nowLocal()
  const start = incident ? splitLocal(incident.occurred.local) : { date: prefill.date ?? now.date, time: prefill.time ?? now.time }
  const end = incident?.ended ? splitLocal(incident.ended.local) : { date: '', time: '' }
  const v = incident ?? prefill

  const date = input({ type: 'date', id: 'date', value: start.date, required: true })
  const time = input({ type: 'time', id: 'time', value: start.time, required: true })
  const zone = input({ id: 'zone', value: incident?.occurred.timezone ?? localZone(), spellcheck: false })
  const approximate = h('input', { type: 'checkbox', id: 'approximate', checked: !!v?.approximate })
  const endDate = input({ type: 'date', id: 'end-date', value: end.date })
  const endTime = input({ type: 'time', id: 'end-time', value: end.time })
  const kinds = h('fieldset', { class: 'kinds' }, h('legend', {}, 'What happened (choose all that fit)'),
    app.vocabulary.incident_kinds.map((k) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: 'kind', value: k.key, checked: (v?.kinds ?? []).includes(k.key) }), k.label)))
  const location = input({ id: 'location', value: v?.location ?? '' })
  const description = h('textarea', { id: 'description', rows: 6 }, v?.description ?? '')
  const quotes = h('textarea', { id: 'quotes', rows: 3 }, (v?.quotes ?? []).join('\n'))
  const impact = h('textarea', { id: 'impact', rows: 2 }, v?.impact ?? '')

  // A saved incident keeps exactly its order (or none); only a new one starts at the latest.
  const chosenOrder = incident ? (incident.order_id ?? '') : (v?.order_id ?? orders[0]?.id ?? '')
  const order = select([['', 'No order chosen'], ...orders.map((o) => [o.id, `${o.kind_label}, case ${o.case_number}`])], chosenOrder, { id: 'order' })
  const term = h('select', { id: 'term' })
  const fillTerms = () => {
    const chosen = orders.find((o) => o.id === order.value)
    term.replaceChildren(h('option', { value: '' }, 'Which term was broken? (optional)'),
      ...(chosen?.terms ?? []).map((t) => h('option', { value: t.id }, `${t.id}: ${describeTerm(t)}`)))
    term.value = v?.term ?? ''
  }
  order.addEventListener('change', fillTerms)
  fillTerms()

  const witnesses = h('div', { class: 'repeat', id: 'witnesses' })
  const addWitness = (w = {}) => {
    const row = h('fieldset', { class: 'witness' }, h('legend', {}, 'Witness'),
      field('Name', input({ name: 'w-name', value: w.name ?? '' })),
      field('Phone or email', input({ name: 'w-contact', value: w.contact ?? '' })),
      field('What they saw or heard', input({ name: 'w-saw', value: w.saw ?? '' })),
      h('button', { type: 'button', class: 'link', onclick: () => row.remove() }, 'Remove this witness'))
    witnesses.append(row)
  }
  for (const w of v?.witnesses ?? []) addWitness(w)

  const p = v?.police ?? {}
  const agency = input({ id: 'police-agency', value: p.agency ?? '' })
  const officer = input({ id: 'police-officer', value: p.officer ?? '' })
  const badge = input({ id: 'police-badge', value: p.badge ?? '' })
  const reportNumber = input({ id: 'police-report', value: p.report_number ?? '' })
  const outcome = input({ id: 'police-outcome', value: p.outcome ?? '' })

  const collect = () => {
    const zoneName = zone.value.trim() || localZone()
    const police = orNull(agency.value)
      ? { agency: agency.value.trim(), officer: orNull(officer.value), badge: orNull(badge.value), report_number: orNull(reportNumber.value), outcome: orNull(outcome.value) }
      : null
    if (!police && [officer, badge, reportNumber, outcome].some((c) => c.value.trim())) {
      throw new Error('Add the police agency (for example "Oakland Police Department") to keep the other police details.')
    }
    if (!date.value || !time.value) throw new Error('Add the date and time it happened (an estimate is fine: tick "approximate").')
    // Untouched times are sent as stored, with seconds and UTC offset, so an edit neither
    // trims seconds nor trips over the repeated hour when clocks go back.
    const keep = (typed, stored) => stored && typed === stored.local.slice(0, 16) && zoneName === stored.timezone
      ? `${stored.local}${stored.utc_offset}`
      : typed
    const endTyped = endDate.value || endTime.value ? `${endDate.value || date.value}T${endTime.value || time.value}` : null
    return {
      occurred_at: keep(`${date.value}T${time.value}`, incident?.occurred),
      ended_at: endTyped && keep(endTyped, incident?.ended),
      timezone: zoneName,
      approximate: approximate.checked,
      kinds: [...kinds.querySelectorAll('input:checked')].map((c) => c.value),
      location: orNull(location.value),
      description: description.value.trim(),
      quotes: lines(quotes.value),
      witnesses: [...witnesses.querySelectorAll('.witness')].map((row) => ({
        name: row.querySelector('[name=w-name]').value.trim(),
        contact: orNull(row.querySelector('[name=w-contact]').value),
        saw: orNull(row.querySelector('[name=w-saw]').value),
      })).filter((w) => w.name || w.contact || w.saw),
      order_id: orNull(order.value),
      term: orNull(term.value),
      police,
      impact: orNull(impact.value),
    }
  }

  const save = async (event) => {
    event.preventDefault()
    try {
      const data = collect()
      const saved = incident
        ? await call('edit_incident', { id: incident.id, input: data })
        : await call('add_incident', { input: data })
      await openEditor(saved.id)
      say(incident ? 'Saved. The earlier version is kept, and the entry is marked amended.' : `Saved as incident #${saved.number}. You can add files below.`, 'success')
    } catch (error) {
      say(error.message, 'error')
    }
  }

  const heading = incident
    ? `Incident #${incident.number}, ${formatLocal(incident.occurred.local)}`
    : 'New incident'
  return h('form', { class: 'editor', onsubmit: save },
    h('div', { class: 'title-row' },
      h('h1', {}, heading),
      incident?.amended ? h('span', { class: 'badge amended', id: 'amended-mark' }, 'Amended') : null,
      h('button', { type: 'button', class: 'link', onclick: () => go('timeline') }, 'Back to the timeline')),
    incident ? h('p', { class: 'meta' }, `First recorded ${incident.recorded_at.replace('T', ' ').slice(0, 16)} UTC`,
      incident.amended ? `, last changed ${incident.updated_at.replace('T', ' ').slice(0, 16)} UTC` : '', '. Every earlier version is kept.') : null,
    incident?.communications?.length ? h('p', { class: 'meta', id: 'cited-messages' }, `Cites ${incident.communications.length === 1 ? '1 text or call' : `${incident.communications.length} texts and calls`} from a phone backup (see Messages and calls).`) : null,
    h('fieldset', {}, h('legend', {}, 'When'),
      h('div', { class: 'row' }, field('Date', date), field('Time', time), field('Time zone', zone, 'Where it happened, e.g. America/Chicago.')),
      h('p', { class: 'check' }, approximate, h('label', { for: 'approximate' }, 'The time is approximate')),
      h('div', { class: 'row' }, field('Ended (date, optional)', endDate), field('Ended (time, optional)', endTime))),
    kinds,
    field('Where', location, 'An address or a description, e.g. "outside my work, 1200 Broadway".'),
    field('What happened', description, 'Facts only, in order: what you saw and heard.'),
    field('Exact words said or written (one per line)', quotes),
    h('fieldset', {}, h('legend', {}, 'Order'),
      h('div', { class: 'row' }, field('Order', order), field('Term broken', term))),
    h('fieldset', {}, h('legend', {}, 'Witnesses'), witnesses,
      h('button', { type: 'button', onclick: () => addWitness() }, 'Add a witness')),
    h('fieldset', {}, h('legend', {}, 'Police'),
      h('div', { class: 'row' }, field('Agency', agency), field('Officer', officer), field('Badge', badge)),
      h('div', { class: 'row' }, field('Report number', reportNumber), field('What happened next', outcome, 'Report taken, arrest, warning…'))),
    field('How it affected you (optional)', impact),
    h('div', { class: 'actions sticky' },
      h('button', { type: 'submit', class: 'primary', id: 'save-incident' }, incident ? 'Save changes' : 'Save'),
      incident ? h('button', { type: 'button', class: 'danger', onclick: () => remove(incident) }, 'Delete…') : null),
    incident ? attachments(incident) : h('p', { class: 'hint' }, 'Save first; then you can add screenshots, photos and recordings.'),
  )
}

export function describeTerm(t) {
  switch (t.type) {
    case 'stay_away': return `Stay ${t.distance ? `${t.distance} ${t.unit ?? 'yards'} ` : ''}away${t.places?.length ? ` from ${t.places.join(', ')}` : ''}`
    case 'no_contact': return t.direct && t.indirect === false ? 'No direct contact' : 'No contact'
    case 'no_firearms': return 'No firearms'
    default: return t.text ?? 'Other term'
  }
}

function attachments(incident) {
  const list = h('ul', { class: 'attachments', id: 'attachments' })
  for (const a of incident.attachments) list.append(attachmentItem(a))
  listOfFiles = list
  const add = async () => {
    showBusy('Choose files in the window that opens…')
    try {
      report(await call('pick_attachments', { incidentId: incident.id }))
    } catch (error) {
      say(error.message, 'error')
    } finally {
      hideBusy()
    }
  }
  return h('section', { class: 'exhibits' },
    h('h2', {}, 'Files (exhibits)'),
    h('p', { class: 'hint' }, 'Screenshots, photos, voicemails and documents are stored encrypted, exactly as they are. You can also drop files on this window.'),
    h('button', { type: 'button', id: 'add-files', onclick: add }, 'Add files…'),
    list)
}

let listOfFiles = null

async function report(result) {
  const problems = result.problems.join(' ')
  if (result.cancelled) say(`Cancelled. ${result.attached.length} file(s) were added before that; nothing half-done was kept. ${problems}`, 'warning')
  else if (problems) say(`${result.attached.length} file(s) added. Not added: ${problems}`, 'error')
  else say(`${result.attached.length} file(s) added.`, 'success')
  // Only the file list grows: whatever is typed in the form and not saved yet stays.
  for (const a of result.attached) listOfFiles?.append(attachmentItem(a))
}

function attachmentItem(a) {
  const preview = h('div', { class: 'preview' }, h('span', { class: 'hint' }, `${a.kind}, ${sizeText(a.size)}`))
  const load = () => {
    // Pictures a web view cannot show (HEIC, TIFF) come back converted to JPEG, made in memory.
    return call('attachment_bytes', { id: a.id }).then((bytes) => {
      const shownAs = a.kind === 'image' && ['image/heic', 'image/heif', 'image/avif', 'image/tiff'].includes(a.mime) ? 'image/jpeg' : a.mime
      const url = objectUrl(bytes, shownAs)
      preview.replaceChildren(
        a.kind === 'image' ? h('img', { src: url, alt: a.caption || `Picture ${a.original_name}` })
          : a.kind === 'video' ? h('video', { src: url, controls: true, preload: 'metadata', 'aria-label': `Play ${a.original_name}` })
            : h('audio', { src: url, controls: true, 'aria-label': `Play ${a.original_name}` }))
      return preview.firstChild
    }).catch((error) => preview.replaceChildren(h('span', { class: 'hint' }, error.message)))
  }
  if (['image', 'audio'].includes(a.kind) && a.size <= 64 * 1024 * 1024) load()
  if (a.kind === 'video' && a.size <= 512 * 1024 * 1024) {
    // A video is decrypted into the window only when asked for: it may be hundreds of MB.
    preview.append(h('button', {
      type: 'button',
      class: 'play-video',
      onclick: async () => {
        const video = await load()
        if (video?.play) video.focus()
      },
    }, `Play the video (${sizeText(a.size)})`))
  }
  const caption = input({ value: a.caption ?? '' })
  const transcript = a.kind === 'audio' || a.kind === 'video' ? h('textarea', { rows: 3 }, a.transcript ?? '') : null
  const save = async () => {
    try {
      // Sent as typed: an emptied field clears the caption or transcript.
      await call('describe_attachment', { id: a.id, caption: caption.value, transcript: transcript ? transcript.value : a.transcript })
      say('Saved.', 'success')
    } catch (error) {
      say(error.message, 'error')
    }
  }
  return h('li', { class: 'attachment' }, preview,
    h('div', {},
      h('p', { class: 'file' }, a.original_name, ' ', h('span', { class: 'hint' }, `SHA-256 ${a.sha256.slice(0, 16)}…`)),
      a.captured_at ? h('p', { class: 'hint' }, `Taken ${a.captured_at} (from the file)`) : null,
      ...revealNotes(a).map((note) => h('p', { class: 'reveals' }, note)),
      field('Caption', caption),
      transcript ? field('Transcript (what was said, word for word)', transcript) : null,
      h('button', { type: 'button', onclick: save }, 'Save caption')))
}

/** What the original records beyond what it shows, as the core words it (Reveals::sentences). */
function revealNotes(a) {
  const r = a.reveals
  if (!r) return []
  const noun = a.kind === 'image' ? 'photo' : a.kind === 'video' ? 'video' : 'file'
  const notes = []
  if (r.location) notes.push(`This ${noun} records where it was taken: ${r.location.latitude.toFixed(4)}, ${r.location.longitude.toFixed(4)}.`)
  else if (r.unreadable_location) notes.push(`This ${noun} holds location (GPS) data that Daybook cannot read as a place.`)
  if (r.device?.length) notes.push(`This ${noun} records the device that made it: ${r.device.join('; ')}.`)
  if (r.not_checked) notes.push(`Daybook could not check whether this ${noun} records a location.`)
  const place = r.location || r.unreadable_location || r.not_checked
  if (notes.length) notes.push(place ? 'Reports never include this. An evidence packet asks you first whether to keep it.' : 'Reports never include this.')
  return notes
}

export function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} bytes`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

async function remove(incident) {
  const reason = await ask(`Delete incident #${incident.number}?`, 'Deleting keeps the entry in the history and in the report appendix, with your reason. Why delete it?', 'Delete')
  if (reason === null) return
  try {
    await call('delete_incident', { id: incident.id, reason })
    await go('timeline')
    say(`Incident #${incident.number} deleted. It stays in the history with your reason.`, 'success')
  } catch (error) {
    say(error.message, 'error')
  }
}

// Files dropped on the window go to the incident open in the editor.
on('files-dropped', async (names) => {
  // On "Messages and calls" dropped files are phone backups (views/messages.js).
  if (app.view.dataset.screen === 'messages') return
  if (!current || app.view.dataset.screen !== 'editor') {
    say(`To add ${names.join(', ')}, open an incident first, then drop the files on the window.`, 'warning')
    return
  }
  showBusy(`Adding ${names.length} file(s)…`)
  try {
    report(await call('attach_dropped', { incidentId: current.id }))
  } catch (error) {
    say(error.message, 'error')
  } finally {
    hideBusy()
  }
})
