// Boot, navigation and the safety features that work on every screen: quick exit (button or
// Escape twice), lock, auto-lock notices, the quick-add shortcut (Ctrl+N) and progress.

import { call, on } from './api.js'
import { h, clear, say, revokeAllUrls, focusHeading } from './dom.js'
import { showSetup } from './views/setup.js'
import { showUnlock } from './views/unlock.js'
import { showTimeline, resetTimeline } from './views/timeline.js'
import { showOrders } from './views/orders.js'
import { showMessages, resetMessages } from './views/messages.js'
import { showExport } from './views/export.js'
import { showSettings, historySection } from './views/settings.js'
import { openQuickAdd } from './views/quickadd.js'

export const app = {
  status: null,
  vocabulary: null,
  view: document.getElementById('view'),
}

const screens = {
  timeline: ['Timeline', showTimeline],
  messages: ['Messages and calls', showMessages],
  orders: ['Orders and people', showOrders],
  export: ['Export', showExport],
  settings: ['Settings', showSettings],
}

export async function go(name, ...args) {
  if (!app.status?.unlocked) return start()
  say('')
  const [title, show] = screens[name]
  for (const link of document.querySelectorAll('#nav button')) {
    link.setAttribute('aria-current', link.dataset.screen === name ? 'page' : 'false')
  }
  clear(app.view)
  document.title = 'Daybook'
  await show(app.view, ...args)
  focusHeading(app.view)
  app.view.dataset.screen = name
  void title
}

function buildNav() {
  const nav = document.getElementById('nav')
  clear(nav)
  if (!app.status?.unlocked) return
  nav.append(
    ...Object.entries(screens).map(([name, [title]]) =>
      h('button', { type: 'button', class: 'link', dataset: { screen: name }, onclick: () => go(name) }, title),
    ),
    h('button', { type: 'button', id: 'quick-add-button', onclick: () => openQuickAdd() }, 'New incident (Ctrl+N)'),
    h('button', { type: 'button', id: 'lock-button', onclick: lock }, 'Lock'),
  )
}

export async function start(notice) {
  // Asked together: each answer is a round trip, and after unlock the first rows wait on both.
  const [status, vocabulary] = await Promise.all([call('status'), app.vocabulary ?? call('vocabulary')])
  app.status = status
  app.vocabulary = vocabulary
  showHistoryAlert()
  buildNav()
  clear(app.view)
  if (app.status.unlocked) return go('timeline')
  resetTimeline()
  resetMessages()
  revokeAllUrls()
  document.querySelectorAll('dialog').forEach((d) => d.remove())
  if (app.status.journal_exists) {
    showUnlock(app.view, notice)
  } else {
    showSetup(app.view)
  }
}

async function lock() {
  await call('lock')
  start('Locked. Your entries are saved.')
}

async function quickExit() {
  // The window disappears first; the journal is locked and the app ends in Rust.
  await call('quick_exit')
}

// Escape twice within a moment: quick exit from anywhere.
let lastEscape = 0
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') {
    const now = Date.now()
    if (now - lastEscape < 700) {
      event.preventDefault()
      quickExit()
    }
    lastEscape = now
  }
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'n' && app.status?.unlocked) {
    event.preventDefault()
    openQuickAdd()
  }
})

// Report use (at most every 20 seconds) so auto-lock counts from the last real use.
let lastPing = 0
for (const type of ['keydown', 'pointerdown', 'wheel']) {
  document.addEventListener(type, () => {
    const now = Date.now()
    if (app.status?.unlocked && now - lastPing > 20000) {
      lastPing = now
      call('activity').catch(() => {})
    }
  }, { passive: true })
}

document.getElementById('quick-exit').addEventListener('click', quickExit)

// Headings that stay at the top of a list (the timeline's months) stay just under the
// header, whose height changes as it wraps on a narrow window or with larger text.
const header = document.querySelector('header')
new ResizeObserver(() => {
  document.documentElement.style.setProperty('--header-height', `${header.getBoundingClientRect().height}px`)
}).observe(header)

on('locked', (reason) => {
  document.querySelectorAll('dialog[open]').forEach((d) => d.close())
  start(reason === 'sleep'
    ? 'Locked because the computer went to sleep. Your entries are saved.'
    : 'Locked after a while without use. Your entries are saved.')
})

// The whole-history check that runs after unlock: a problem is said at once; Settings shows
// how it stands either way.
on('history-checked', (status) => {
  if (!app.status?.unlocked) return
  app.status.history = status
  document.getElementById('history-status')?.replaceWith(historySection() ?? '')
  showHistoryAlert()
})

/** A history that does not check out stays said above every screen until the journal is
 *  locked. While unlocked it is never taken away: the check's event can arrive before or
 *  after the status that start() asked for. */
function showHistoryAlert() {
  const alert = document.getElementById('history-alert')
  if (!app.status?.unlocked) {
    alert.hidden = true
    clear(alert)
  } else if (app.status.history?.state === 'problem' && alert.hidden) {
    alert.append(h('p', { class: 'message error' }, app.status.history.message))
    alert.hidden = false
  }
}

// Progress of long work: a bar with Cancel, shown while a command runs.
const progress = document.getElementById('progress')
export function showBusy(label) {
  progress.hidden = false
  progress.querySelector('.label').textContent = label
  const bar = progress.querySelector('progress')
  bar.removeAttribute('value')
  progress.querySelector('button').focus()
}
export function hideBusy() {
  progress.hidden = true
}
progress.querySelector('button').addEventListener('click', () => call('cancel_work'))
on('progress', (p) => {
  const bar = progress.querySelector('progress')
  if (p.total > 0) {
    bar.max = p.total
    bar.value = p.done
    progress.querySelector('.label').textContent = `Importing ${p.file}: ${Math.floor((100 * p.done) / p.total)}%`
  }
})

start().catch((error) => say(error.message, 'error'))
