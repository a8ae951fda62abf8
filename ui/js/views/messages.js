// Messages and calls: phone backups imported (dialog or drop, with progress and Cancel), the
// threads by the other party with the restrained person's first, and one thread's texts and
// calls as bubbles, each with its local time and zone, selectable to make an incident.

import { call, on } from '../api.js'
import { h, field, input, say, clear, select, localZone, objectUrl, focusHeading, quickExitButton } from '../dom.js'
import { app, showBusy, hideBusy } from '../app.js'
import { openEditor } from './editor.js'

// What the person last searched, and the last import's summary: forgotten on lock.
const state = { text: '' }
let lastImport = null
// The import being asked about or run (its questions are one after another); a lock ends it.
let importing = null

export function resetMessages() {
  state.text = ''
  lastImport = null
  importing = null
}

export async function showMessages(view) {
  const search = input({ type: 'search', id: 'message-search', value: state.text, placeholder: 'Words or a phone number…' })
  const list = h('div', { id: 'threads', 'aria-live': 'polite' })
  const count = h('p', { class: 'count', id: 'thread-count' })
  const zoneNote = h('p', { class: 'hint', id: 'zone-note' })
  const results = h('div', { id: 'import-result' }, lastImport ? importSummary(lastImport) : null)
  view.append(
    h('div', { class: 'title-row' },
      h('h1', {}, 'Messages and calls'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', id: 'import-backup', onclick: () => importBackup(view, 'pick_phone_backups', 'Choose the backup files or chat export in the window that opens…') }, 'Import a phone backup or chat…'),
        h('button', { type: 'button', id: 'import-iphone', onclick: () => importBackup(view, 'pick_iphone_backup', 'Choose the iPhone backup folder in the window that opens…') }, 'Import an iPhone backup folder…'))),
    h('p', { class: 'intro' }, 'Only the restrained person\'s texts and calls go into your reports; the rest of the backup (family, friends, your attorney) stays encrypted in this journal and is never printed unless you choose it.'),
    h('p', { class: 'hint' }, 'Daybook reads the .xml files the Android app “SMS Backup & Restore” makes (one of messages, one of calls), a WhatsApp chat from “Export chat” (the .zip, or the .txt with its media beside it), and an iPhone backup folder made with Finder, Apple Devices or iTunes (an encrypted one with its backup password). You can also drop them on this window. Importing the same backup again adds nothing twice.'),
    h('p', { class: 'hint' }, 'iPhone backups are kept, on a Mac, in your home folder under Library/Application Support/MobileSync/Backup, and on Windows under Apple/MobileSync/Backup in your user folder (or AppData/Roaming/Apple Computer/MobileSync/Backup). Each backup is a folder with a long name of letters and numbers.'),
    results,
    h('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() }, field('Search texts and numbers', search)),
    count,
    zoneNote,
    list)

  let timer
  let asking = 0
  const refresh = async () => {
    state.text = search.value
    const asked = ++asking
    try {
      const answer = await call('message_threads', { text: state.text, zone: localZone() })
      if (asked !== asking) return
      drawThreads(view, list, answer)
      zoneNote.textContent = answer.total ? answer.zone_note : ''
      count.textContent = state.text.trim()
        ? `${plural(answer.threads.filter((t) => t.matches).length, 'conversation')} match`
        : answer.total ? `${plural(answer.total, 'text or call', 'texts and calls')} in the journal` : ''
    } catch (error) {
      if (asked === asking) say(error.message, 'error')
    }
  }
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(refresh, 150) })
  await refresh()
}

function drawThreads(view, list, answer) {
  clear(list)
  if (!answer.total) {
    list.append(h('p', { class: 'empty' }, 'No texts or calls yet. Import a phone backup to see them here.'))
    return
  }
  if (!answer.numbers_on_record) {
    list.append(h('p', { class: 'message warning', id: 'no-number' }, answer.restrained.length
      ? 'No phone number of the restrained person is on record yet. Open a conversation below and choose “This is the restrained person\'s number”, or add it under Orders and people.'
      : 'No restrained person is recorded yet. Add them under Orders and people (with their phone numbers) so their texts and calls are shown first.'))
  }
  if (!answer.threads.length) {
    list.append(h('p', { class: 'empty' }, 'Nothing matches the search.'))
    return
  }
  list.append(h('ul', { class: 'threads' }, answer.threads.map((t) => h('li', {},
    h('button', { type: 'button', class: `thread${t.restrained ? ' restrained' : ''}`, dataset: { key: t.key }, onclick: () => openThread(view, t.key) },
      h('span', { class: 'who' }, t.title,
        t.restrained ? h('span', { class: 'badge restrained-mark' }, 'Restrained person') : null),
      h('span', { class: 'last' }, t.last_day ? `Last: ${t.last_day}, ${t.last_time}` : 'Nothing imported yet'),
      h('span', { class: 'sub' },
        [
          t.restrained ? t.numbers.join(', ') : null,
          t.saved_as.length ? `saved in the phone as ${t.saved_as.map((n) => `“${n}”`).join(', ')}` : null,
          counts(t),
          t.matches ? `${plural(t.matches, 'match', 'matches')}` : null,
        ].filter(Boolean).join(' · ')))))))
}

function counts(t) {
  const parts = []
  if (t.texts) parts.push(plural(t.texts, 'text'))
  if (t.calls) parts.push(plural(t.calls, 'call'))
  if (t.hidden_calls) parts.push(`${t.hidden_calls} from a hidden number`)
  return parts.join(', ') || 'no texts or calls'
}

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`
}

async function openThread(view, key) {
  say('')
  clear(view)
  await showThread(view, key)
  focusHeading(view)
}

async function backToThreads(view) {
  say('')
  clear(view)
  await showMessages(view)
  focusHeading(view)
}

// ---------------------------------------------------------------------------------------------
// One thread

async function showThread(view, key) {
  const asked = (text, before) => call('message_thread', { key, zone: localZone(), text, before })
  const thread = await asked(state.text, null)
  // Drawn only after the answer came: if the journal locked meanwhile, nothing is drawn.
  clear(view)
  const selected = new Set()
  const filter = input({ type: 'search', id: 'thread-search', value: state.text, placeholder: 'Words in the texts…' })
  const chosen = h('span', { class: 'chosen', id: 'selection-count', 'aria-live': 'polite' }, 'Nothing selected')
  const make = h('button', { type: 'button', class: 'primary', id: 'make-incident', disabled: true, onclick: () => makeIncident(thread, [...selected]) }, 'Make an incident from the selection')
  const cite = h('button', { type: 'button', id: 'cite-incident', disabled: true, onclick: () => addToIncident(thread, [...selected], items.filter((i) => selected.has(i.id)).map((i) => i.at)) }, 'Add to an existing incident…')
  const onPick = () => {
    chosen.textContent = selected.size ? `${plural(selected.size, 'text or call', 'texts and calls')} selected` : 'Nothing selected'
    make.disabled = cite.disabled = selected.size === 0
  }
  // A page at a time (the newest first shown): a conversation can hold hundreds of thousands
  // of texts, and the window draws only what the person asks to see.
  let items = thread.items
  let earlier = thread.earlier
  let asking = 0
  const list = h('div', { id: 'thread', class: 'conversation' })
  const more = h('button', { type: 'button', class: 'link', id: 'earlier-items' }, 'Show earlier texts and calls')
  const draw = () => {
    clear(list)
    if (earlier) list.append(more)
    let day = null
    let ol = null
    for (const item of items) {
      if (item.day !== day) {
        day = item.day
        ol = h('ol', { class: 'bubbles' })
        list.append(h('section', { class: 'day' }, h('h2', {}, day), ol))
      }
      ol.append(itemRow(item, selected, onPick))
    }
    if (!items.length) {
      list.append(h('p', { class: 'empty' }, filter.value.trim()
        ? 'No text or call in this conversation has these words.'
        : 'No texts or calls with these numbers have been imported yet.'))
    }
  }
  more.addEventListener('click', async () => {
    const mine = ++asking
    more.disabled = true
    try {
      const page = await asked(filter.value, earlier)
      if (mine !== asking) return
      items = page.items.concat(items)
      earlier = page.earlier
      draw()
      ;(earlier ? more : list.querySelector('input.pick'))?.focus()
    } catch (error) {
      say(error.message, 'error')
    } finally {
      more.disabled = false
    }
  })
  let timer
  filter.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(async () => {
      const mine = ++asking
      try {
        const page = await asked(filter.value, null)
        if (mine !== asking) return
        items = page.items
        earlier = page.earlier
        draw()
      } catch (error) {
        if (mine === asking) say(error.message, 'error')
      }
    }, 150)
  })
  draw()

  const mark = thread.can_mark && !thread.restrained
    ? h('button', { type: 'button', id: 'mark-number', onclick: () => markNumber(view, thread) }, 'This is the restrained person\'s number')
    : null
  // Element.append would write a left-out part as the word "null": leave those out first.
  view.append(...[
    h('div', { class: 'title-row' },
      h('h1', {}, thread.title,
        thread.restrained ? h('span', { class: 'badge restrained-mark' }, 'Restrained person') : null),
      h('button', { type: 'button', class: 'link', id: 'back-to-threads', onclick: () => backToThreads(view) }, 'Back to all conversations')),
    h('p', { class: 'meta' }, [
      thread.numbers.join(', '),
      counts(thread),
    ].filter(Boolean).join(' · ')),
    thread.saved_as.length
      ? h('p', { class: 'hint' }, `Saved in the phone as ${thread.saved_as.map((n) => `“${n}”`).join(', ')} (the phone's own label, not proof of who wrote).`)
      : null,
    thread.restrained && thread.hidden_calls
      ? h('p', { class: 'hint' }, 'Calls from a hidden number are shown here too, as in the report. The phone does not say who made them.')
      : null,
    h('p', { class: 'hint', id: 'thread-zone' }, thread.zone_note),
    mark,
    h('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() }, field('Show only texts with these words', filter)),
    list,
    h('div', { class: 'actions sticky selection-bar' }, chosen, make, cite),
  ].filter(Boolean))
  view.dataset.screen = 'messages'
}

function itemRow(item, selected, onPick) {
  const call_ = item.kind === 'call'
  const side = item.incoming ? 'in' : 'out'
  const box = h('input', { type: 'checkbox', class: 'pick', value: item.id, 'aria-label': `Select the ${call_ ? 'call' : 'text'} at ${item.time}` })
  box.checked = selected.has(item.id)
  box.addEventListener('change', () => {
    if (box.checked) selected.add(item.id)
    else selected.delete(item.id)
    li.classList.toggle('selected', box.checked)
    onPick()
  })
  const when = h('span', { class: 'when' }, item.time)
  let content
  if (call_) {
    content = h('div', { class: 'call-line' },
      h('span', { class: 'call-what' }, callWords(item)),
      ' ', when)
  } else {
    const status = ['received', 'sent'].includes(item.status) ? '' : ` (${item.status_label})`
    content = h('div', { class: `bubble ${side}` },
      item.shown_sender && item.shown_numbers.length > 1 ? h('p', { class: 'sender' }, `From ${item.shown_sender}`) : null,
      item.subject ? h('p', { class: 'subject' }, item.subject) : null,
      item.body ? h('p', { class: 'body' }, item.body) : null,
      (item.parts ?? []).map((p) => part(p)),
      h('p', { class: 'stamp' }, when, item.incoming ? ' · received' : ' · sent', status, stampNotes(item)))
  }
  const li = h('li', { class: `item ${call_ ? 'call' : 'text'} ${side}${box.checked ? ' selected' : ''}`, dataset: { id: item.id }, title: `From ${item.source}` },
    h('label', { class: 'picker' }, box), content)
  return li
}

// The network, how exact the time is, and marks a reader must not miss (edited, unsent).
function stampNotes(item) {
  const marks = { edited: 'edited', unsent: 'unsent by the sender', recently_deleted: 'in Recently Deleted' }
  return [
    item.service_label && !['SMS', 'MMS'].includes(item.service_label) ? item.service_label : null,
    item.clock?.basis === 'as_shown' ? 'time as shown on the phone' : null,
    ...(item.marks ?? []).map((m) => marks[m] ?? m),
  ].filter(Boolean).map((n) => ` · ${n}`).join('')
}

function callWords(item) {
  const names = {
    incoming: 'Call', outgoing: 'Call', missed: 'Missed call', voicemail: 'Call to voicemail',
    rejected: 'Rejected call', blocked: 'Blocked call', answered_elsewhere: 'Call answered on another device',
  }
  const what = names[item.status] ?? 'Call'
  const who = item.hidden && !item.shown_numbers.length
    ? 'from a hidden number'
    : `${item.incoming ? 'from' : 'to'} ${item.shown_numbers.join(', ') || 'an unknown number'}`
  const d = item.duration_s
  const length = d > 0 ? `, ${Math.floor(d / 60)}:${String(d % 60).padStart(2, '0')}` : ''
  return `${what} ${who}${length}`
}

function part(p) {
  if (!p.mime.startsWith('image/')) return h('p', { class: 'hint' }, `Attachment (${p.mime}), kept encrypted; SHA-256 ${p.sha256.slice(0, 16)}…`)
  const holder = h('div', { class: 'picture' }, h('span', { class: 'hint' }, 'Picture…'))
  // Decrypted into the window's memory only (a blob URL, released on lock).
  call('attachment_bytes', { id: p.attachment_id }).then((bytes) => {
    const shownAs = ['image/heic', 'image/heif', 'image/avif', 'image/tiff'].includes(p.mime) ? 'image/jpeg' : p.mime
    holder.replaceChildren(h('img', { src: objectUrl(bytes, shownAs), alt: 'Picture sent in the message' }))
  }).catch((error) => holder.replaceChildren(h('span', { class: 'hint' }, error.message)))
  return holder
}

// ---------------------------------------------------------------------------------------------
// Actions

async function markNumber(view, thread) {
  const people = (await call('message_threads', { text: '', zone: localZone() })).restrained
  if (!people.length) {
    return say('No restrained person is recorded yet. Add them under Orders and people first, then come back here.', 'warning')
  }
  const number = thread.numbers[0]
  const who = select(people.map(([id, name]) => [id, name]), people[0][0], { id: 'mark-person' })
  const dialog = h('dialog', { id: 'mark-dialog', 'aria-labelledby': 'mark-title' },
    h('form', { method: 'dialog' },
      h('h2', { id: 'mark-title' }, `Is ${number} the restrained person's number?`),
      h('p', {}, 'It is added to their phone numbers. Their texts and calls from it then come first here and go into your reports.'),
      people.length > 1 ? field('Whose number', who) : null,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', value: 'ok', id: 'mark-confirm' }, 'Yes, it is their number'),
        h('button', { type: 'button', onclick: () => dialog.close('cancel') }, 'Cancel'),
        quickExitButton())))
  dialog.addEventListener('close', async () => {
    dialog.remove()
    if (dialog.returnValue !== 'ok') return
    try {
      const marked = await call('mark_restrained_number', { personId: who.value, number: thread.number })
      await backToThreads(view)
      say(`${marked.number} is now on record as ${marked.name}'s number.`, 'success')
    } catch (error) {
      say(error.message, 'error')
    }
  })
  document.body.append(dialog)
  dialog.showModal()
}

async function makeIncident(thread, ids) {
  try {
    const incident = await call('incident_from_messages', { ids, zone: thread.zone })
    await openEditor(incident.id)
    say(`Incident #${incident.number} made from ${plural(ids.length, 'text or call', 'texts and calls')}, with their exact words and times. Check it, and add what happened around it.`, 'success')
  } catch (error) {
    say(error.message, 'error')
  }
}

// The incidents offered are those within a month of the chosen texts and calls (a journal
// can hold a million incidents; a list of all of them would not be read, or drawn), up to 200.
const NEAR_DAYS = 31
const OFFERED = 200

async function addToIncident(thread, ids, times) {
  const days = times.map((t) => t.slice(0, 10)).sort()
  const shift = (day, by) => {
    const d = new Date(`${day}T12:00:00Z`)
    d.setUTCDate(d.getUTCDate() + by)
    return d.toISOString().slice(0, 10)
  }
  const query = days.length ? { from: shift(days[0], -NEAR_DAYS), to: shift(days[days.length - 1], NEAR_DAYS) } : {}
  let page
  try {
    page = await call('timeline', { query, limit: OFFERED })
  } catch (error) {
    return say(error.message, 'error')
  }
  const rows = page.rows
  if (!rows.length) {
    return say(days.length
      ? 'There is no incident within a month of these texts and calls. Use “Make an incident from the selection”, or open the incident from the timeline and cite them there.'
      : 'There is no incident yet. Use “Make an incident from the selection”.', 'warning')
  }
  const which = select(rows.slice().reverse().map((r) => [r.id, `#${r.number}, ${r.local.replace('T', ' ').slice(0, 16)} ${r.abbreviation}: ${(r.summary || '(no description)').slice(0, 60)}`]), rows[rows.length - 1].id, { id: 'cite-which' })
  const offered = days.length
    ? h('p', { class: 'hint', id: 'cite-offered' }, page.next_after != null
      ? `The first ${rows.length} of ${page.total} incidents within a month of these texts and calls.`
      : 'Incidents within a month of these texts and calls.')
    : null
  const dialog = h('dialog', { id: 'cite-dialog', 'aria-labelledby': 'cite-title' },
    h('form', { method: 'dialog' },
      h('h2', { id: 'cite-title' }, `Add ${plural(ids.length, 'text or call', 'texts and calls')} to an incident`),
      ...[offered, field('Incident', which)].filter(Boolean),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', value: 'ok', id: 'cite-confirm' }, 'Add them'),
        h('button', { type: 'button', onclick: () => dialog.close('cancel') }, 'Cancel'),
        quickExitButton())))
  dialog.addEventListener('close', async () => {
    dialog.remove()
    if (dialog.returnValue !== 'ok') return
    try {
      const incident = await call('cite_messages', { incidentId: which.value, ids })
      await openEditor(incident.id)
      say(`Added to incident #${incident.number}. The earlier version is kept.`, 'success')
    } catch (error) {
      say(error.message, 'error')
    }
  })
  document.body.append(dialog)
  dialog.showModal()
}

// ---------------------------------------------------------------------------------------------
// Import: the shell looks at what was chosen and says what to ask (a WhatsApp chat has no time
// zone, and names people as the phone's contacts do); the answers go back with the import.

async function importBackup(view, command, waiting) {
  if (importing) return say('Finish the import that is open first (or choose “Do not import it”).', 'warning')
  const mine = importing = {}
  try {
    await chooseAndImport(view, command, waiting, mine)
  } finally {
    if (importing === mine) importing = null
  }
}

async function chooseAndImport(view, command, waiting, mine) {
  showBusy(waiting)
  let plan
  try {
    plan = await call(command)
  } catch (error) {
    return say(error.message, 'error')
  } finally {
    hideBusy()
  }
  if (!plan) return say('Nothing was imported: nothing was chosen.')
  await importPlan(view, plan, () => importing === mine)
}

// `current()` turns false when the journal locks: then nothing more is asked or imported.
async function importPlan(view, plan, current) {
  const answers = []
  const passwords = []
  for (const source of plan.sources) {
    if (source.kind === 'chat' && source.chat) {
      const answer = await askAboutChat(source, plan)
      if (answer) answers.push(answer)
    } else if (source.kind === 'iphone-folder' && source.encrypted) {
      const password = await askPassword(source.file, null)
      if (password !== null) passwords.push({ index: source.index, password })
    }
    if (!current()) return
  }
  let result = await importWaiting(plan, answers, passwords, plan.sources.map((s) => s.file).join(', '))
  if (!result || !current()) return
  // A file comes back with a question (a chat's repeated hour, a password that did not open
  // the backup) and waits, with nothing of it kept, until it is answered or let go.
  const files = []
  let added = 0
  for (;;) {
    files.push(...result.files.filter((f) => !f.question))
    added += result.added
    const asked = []
    // After Cancel nothing more is asked: what waits is said not imported.
    for (const f of result.files.filter((f) => f.question)) {
      if (result.cancelled) {
        files.push({ ...f, line: `${f.file}: not imported (cancelled).` })
        continue
      }
      const q = f.question
      if (q.kind === 'repeated-hour') {
        const which = await askRepeatedHour(f)
        if (which) {
          answers.find((a) => a.index === q.index).repeated_hour = which
          asked.push(f.file)
          continue
        }
      } else if (q.kind === 'password') {
        const password = await askPassword(f.file, q.sentence)
        if (password !== null) {
          passwords.splice(0, passwords.length, ...passwords.filter((p) => p.index !== q.index), { index: q.index, password })
          asked.push(f.file)
          continue
        }
      }
      if (!current()) return
      files.push({ ...f, line: `${f.file}: not imported. ${q.sentence}` })
    }
    if (!current()) return
    if (!asked.length || result.cancelled) break
    result = await importWaiting(plan, answers, passwords, asked.join(', '))
    if (!result || !current()) return
  }
  passwords.length = 0
  await imported(view, { ...result, files, added })
}

async function importWaiting(plan, answers, passwords, names) {
  showBusy(`Importing ${names}…`)
  try {
    return await call('import_pending_backups', { planId: plan.plan_id, answers, passwords })
  } catch (error) {
    say(error.message, 'error')
    return null
  } finally {
    hideBusy()
  }
}

/** An encrypted iPhone backup's password; resolves to it, or null. */
function askPassword(file, wrong) {
  const password = input({ type: 'password', id: 'backup-password', required: true, autocomplete: 'off' })
  const dialog = h('dialog', { class: 'chat-questions', id: 'backup-password-dialog', 'aria-labelledby': 'backup-password-title' },
    h('form', { method: 'dialog' },
      h('h2', { id: 'backup-password-title' }, `${file}: an encrypted iPhone backup`),
      wrong ? h('p', { class: 'message error', role: 'alert' }, wrong) : null,
      h('p', {}, 'This backup was made with “Encrypt local backup” turned on. Type the backup password chosen then (not the phone\'s passcode). Daybook uses it only to read the backup now: it is not kept, and nothing decrypted is written outside your journal.'),
      field('Backup password', password),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', value: 'ok', id: 'backup-password-ok' }, 'Open the backup'),
        h('button', { type: 'button', onclick: () => dialog.close('cancel') }, 'Do not import it'),
        quickExitButton())))
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const value = dialog.returnValue === 'ok' ? password.value : null
      password.value = ''
      dialog.remove()
      resolve(value)
    })
    document.body.append(dialog)
    dialog.showModal()
    password.focus()
  })
}

/** The questions about one chat export, in one dialog; resolves to the answers, or null. */
function askAboutChat(source, plan) {
  const chat = source.chat
  const n = (k) => `chat-${source.index}-${k}`
  const zone = input({ id: n('zone'), value: plan.zone, required: true, spellcheck: false })
  const senders = chat.senders.map((s) => s.name)
  // Never a guess the file does not support: a wrong "you" turns every message around.
  const me = chat.only_them ? null : select([['', 'Choose…'], ...senders.map((s) => [s, `${s} (${plural(chat.senders.find((x) => x.name === s).messages, 'message')})`])], chat.me ?? '', { id: n('me'), required: true })
  // No order is chosen for the person: a wrong guess would move every date.
  const order = chat.date_order ? null : select([['', 'Choose…'], ['day-first', 'Day first, as in 31/12/2026'], ['month-first', 'Month first, as in 12/31/2026']], '', { id: n('order'), required: true })
  const others = () => senders.filter((s) => s !== (me ? me.value : null))
  // Until "you" is chosen, the other sender is not known either.
  const unknownMe = () => me && !me.value
  const withWhom = select([['', 'Say nothing about who they are'], ...plan.restrained.map(([id, name]) => [id, `${name}, the restrained person`])], '', { id: n('with') })
  const withLabel = h('span', {})
  const withField = field(withLabel, withWhom, 'Choose the restrained person only if you know this chat is with them: the chat then goes into your reports with their texts and calls, with a sentence saying you identified them.')
  const showWith = () => {
    const rest = others()
    withField.hidden = !plan.restrained.length || rest.length !== 1 || unknownMe()
    withLabel.textContent = rest.length === 1 ? `Who is “${rest[0]}”?` : 'Who is the chat with?'
  }
  if (me) me.addEventListener('change', showWith)
  showWith()
  const dialog = h('dialog', { class: 'chat-questions', id: n('dialog'), 'aria-labelledby': n('title') },
    h('form', { method: 'dialog' },
      h('h2', { id: n('title') }, `WhatsApp chat: ${source.file}`),
      h('p', {}, `${plural(chat.messages, 'message')} from ${plural(chat.senders.length, 'sender')}. A chat export gives the times the phone showed, without a time zone, and names people as the phone's contacts do, so Daybook needs to know a few things first.`),
      field('Time zone the phone was set to', zone, 'Where the phone was when the messages were sent, for example America/Los_Angeles or America/Mexico_City.'),
      me ? field('Which name is you?', me, chat.me ? 'Daybook guessed from the chat\'s name; change it if it is wrong.' : 'The chat names senders as the exporting phone\'s contacts do.') : null,
      order ? field('How does the phone write dates?', order, `The chat's dates can be read either way (for example “${chat.example}”).`) : null,
      withField,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', value: 'ok', id: n('import') }, 'Import the chat'),
        h('button', { type: 'button', onclick: () => dialog.close('cancel') }, 'Do not import it'),
        quickExitButton())))
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      dialog.remove()
      if (dialog.returnValue !== 'ok') return resolve(null)
      resolve({
        index: source.index,
        zone: zone.value.trim(),
        me: me ? me.value : null,
        date_order: order ? order.value : null,
        repeated_hour: null,
        with_person: withField.hidden ? null : (withWhom.value || null),
      })
    })
    document.body.append(dialog)
    dialog.showModal()
    zone.focus()
  })
}

/** Which pass of a repeated hour (clocks went back) a chat's messages were in, or null. */
function askRepeatedHour(file) {
  const q = file.question
  const dialog = h('dialog', { class: 'chat-questions', id: 'repeated-hour-dialog', 'aria-labelledby': 'repeated-hour-title' },
    h('form', { method: 'dialog' },
      h('h2', { id: 'repeated-hour-title' }, `${file.file}: an hour that happened twice`),
      h('p', {}, q.sentence),
      h('p', { class: 'hint' }, 'If you are not sure, think of what happened around those messages: the first pass is before the clocks went back, the second after. The answer is taken for every message in that hour.'),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', value: 'first', id: 'repeated-first' }, `The first ${q.from}–${q.to} (before the clocks went back)`),
        h('button', { type: 'submit', class: 'primary', value: 'second', id: 'repeated-second' }, `The second ${q.from}–${q.to} (after)`),
        h('button', { type: 'button', onclick: () => dialog.close('cancel') }, 'Do not import it'),
        quickExitButton())))
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      dialog.remove()
      resolve(['first', 'second'].includes(dialog.returnValue) ? dialog.returnValue : null)
    })
    document.body.append(dialog)
    dialog.showModal()
  })
}

async function imported(view, result) {
  lastImport = result
  clear(view)
  await showMessages(view)
  focusHeading(view)
  const failed = result.files.filter((f) => !f.imported).length
  if (result.cancelled) say(`Cancelled. ${plural(result.added, 'new text or call was', 'new texts and calls were')} kept before that; nothing half-done was kept.`, 'warning')
  else if (failed) say(`${plural(result.added, 'new text or call', 'new texts and calls')} imported. ${plural(failed, 'file', 'files')} could not be imported: see below.`, 'error')
  else if (result.added === 0) say('Nothing new: everything in it was already in the journal.')
  else say(`${plural(result.added, 'new text or call', 'new texts and calls')} imported.`, 'success')
}

function importSummary(result) {
  return h('section', { class: 'card import-summary', 'aria-label': 'What the import did' },
    h('h2', {}, 'Imported'),
    h('ul', {}, result.files.map((f) => h('li', { class: f.imported ? 'ok' : 'failed' },
      h('p', { class: 'line' }, f.line),
      f.notes.map((n) => h('p', { class: 'hint' }, n))))))
}

// Files and folders dropped on this screen are imported as phone records (elsewhere the editor
// takes them).
on('files-dropped', async (names) => {
  if (app.view.dataset.screen !== 'messages') return
  // Refused before the shell takes the dropped paths, so a plan being answered stays as it is.
  await importBackup(app.view, 'prepare_dropped_backups', `Looking at ${names.join(', ')}…`)
})
