// Tiny DOM helpers. All user text goes in as text nodes (never innerHTML), so nothing a user
// or a file name contains can run as markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value)
    } else if (key === 'class') {
      el.className = value
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value)
    } else if (key in el && typeof value !== 'string') {
      el[key] = value
    } else {
      el.setAttribute(key, value === true ? '' : value)
    }
  }
  append(el, children)
  return el
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue
    el.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
}

let ids = 0
/** A labelled form control: label, control, and an optional hint tied with aria-describedby. */
export function field(label, control, hint) {
  const id = control.id || `f${++ids}`
  control.id = id
  const parts = [h('label', { for: id }, label), control]
  if (hint) {
    const hintId = `${id}-hint`
    control.setAttribute('aria-describedby', hintId)
    parts.push(h('p', { class: 'hint', id: hintId }, hint))
  }
  return h('div', { class: 'field' }, parts)
}

export function input(attrs = {}) {
  return h('input', { type: 'text', ...attrs })
}

export function select(options, value, attrs = {}) {
  const el = h('select', attrs, options.map(([key, label]) => h('option', { value: key }, label)))
  el.value = value ?? ''
  return el
}

// Decrypted pictures and recordings live in the window only as blob URLs; these are all
// released on lock so nothing of them stays in memory.
const objectUrls = new Set()
export function objectUrl(bytes, type) {
  const url = URL.createObjectURL(new Blob([bytes], type ? { type } : {}))
  objectUrls.add(url)
  return url
}
export function revokeAllUrls() {
  for (const url of objectUrls) URL.revokeObjectURL(url)
  objectUrls.clear()
}

/** Moves focus to the screen's heading, so keyboard and screen-reader users start there. */
export function focusHeading(view) {
  const heading = view.querySelector('h1')
  if (heading) {
    heading.tabIndex = -1
    heading.focus()
  }
}

/** The quick-exit button again, for modal dialogs (which make the header unreachable). */
export function quickExitButton() {
  return h('button', { type: 'button', class: 'quick-exit', onclick: () => window.__TAURI__.core.invoke('quick_exit') }, 'Quick exit')
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove()
  return el
}

/** Shows a message in the page's live region, so screen readers hear it too. */
export function say(text, kind = 'info') {
  const region = document.getElementById('messages')
  clear(region)
  if (!text) return
  region.append(h('p', { class: `message ${kind}` }, text))
}

// Names by hand rather than toLocaleDateString: that builds a formatter per call, which made a
// 10,000-incident timeline take seconds.
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December']

export function formatLocal(local) {
  // "2026-03-04T18:05:00" -> "Wed 4 Mar 2026, 18:05" (the clock time where it happened)
  const [date, time = ''] = local.split('T')
  const [y, m, d] = date.split('-').map(Number)
  const weekday = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]
  return `${weekday} ${d} ${MONTHS[m - 1].slice(0, 3)} ${y}, ${time.slice(0, 5)}`
}

export function monthTitle(local) {
  const [y, m] = local.split('-').map(Number)
  return `${MONTHS[m - 1]} ${y}`
}

/** Now on this computer's clock, as the date and time inputs want it. */
export function nowLocal() {
  const now = new Date()
  const pad = (n) => String(n).padStart(2, '0')
  return {
    date: `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`,
    time: `${pad(now.getHours())}:${pad(now.getMinutes())}`,
  }
}

export function localZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}

export function lines(text) {
  return text.split('\n').map((l) => l.trim()).filter(Boolean)
}

export function orNull(text) {
  const t = (text ?? '').trim()
  return t === '' ? null : t
}

/** Asks for a line of text in a modal dialog; resolves to the text, or null if cancelled. */
export function ask(title, label, confirmText) {
  return new Promise((resolve) => {
    const answer = input({ id: 'ask-answer', required: true })
    const dialog = h('dialog', { class: 'ask', 'aria-labelledby': 'ask-title' },
      h('form', { method: 'dialog' },
        h('h2', { id: 'ask-title' }, title),
        field(label, answer),
        h('div', { class: 'actions' },
          h('button', { type: 'submit', class: 'danger', value: 'ok' }, confirmText),
          h('button', { type: 'button', onclick: () => dialog.close('cancel') }, 'Cancel'),
          quickExitButton())))
    dialog.addEventListener('close', () => {
      dialog.remove()
      resolve(dialog.returnValue === 'ok' ? answer.value : null)
    })
    document.body.append(dialog)
    dialog.showModal()
    answer.focus()
  })
}
