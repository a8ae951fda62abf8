// The timeline: every incident in the order it happened, grouped by month, with filters and
// search as you type.

import { call } from '../api.js'
import { h, field, input, select, say, clear, formatLocal, monthTitle } from '../dom.js'
import { app } from '../app.js'
import { openEditor } from './editor.js'

const EMPTY = { text: '', from: '', to: '', kind: '', order_id: '', reported: '' }
const state = { ...EMPTY }

/** Forgets the search and filters, so nothing typed before a lock shows after it. */
export function resetTimeline() {
  Object.assign(state, EMPTY)
}

export async function showTimeline(view) {
  // The first page is asked for beside the orders, not after them: each answer is a round
  // trip to the core, and the first rows are what a person waits for after unlock.
  const first = { query: queryOf(state), started: performance.now() }
  first.page = call('timeline', { query: first.query, limit: FIRST_ROWS, count: false })
  first.page.catch(() => {}) // Said by `refresh`, which waits for it.
  const orders = await call('list_orders').catch(() => [])
  const search = input({ type: 'search', id: 'search', value: state.text, placeholder: 'Words, names, places, report numbers…' })
  const from = input({ type: 'date', id: 'filter-from', value: state.from })
  const to = input({ type: 'date', id: 'filter-to', value: state.to })
  const kind = select([['', 'Any kind'], ...app.vocabulary.incident_kinds.map((k) => [k.key, k.label])], state.kind, { id: 'filter-kind' })
  const order = select([['', 'Any order'], ...orders.map((o) => [o.id, `${o.kind_label}, ${o.case_number}`])], state.order_id, { id: 'filter-order' })
  const reported = select([['', 'Reported or not'], ['yes', 'Reported to police'], ['no', 'Not reported']], state.reported, { id: 'filter-reported' })
  const count = h('p', { class: 'count', id: 'count', 'aria-live': 'polite' })
  const list = h('div', { id: 'timeline' })

  // Renewal reminder where the user looks first; expired orders only matter while no newer
  // order is in force.
  const inForce = orders.some((o) => o.renewal.status === 'in_force' || o.renewal.status === 'no_expiry')
  const reminders = orders
    .filter((o) => o.renewal.status === 'renew_soon' || (o.renewal.status === 'expired' && !inForce))
    .map((o) => h('p', { class: 'message warning renewal' }, o.renewal.status === 'renew_soon'
      ? `Your ${o.kind_label.toLowerCase()} (case ${o.case_number}) expires on ${o.expires_on}, in ${o.renewal.days_left} days. Renewal usually has to be asked for before then: ask the court clerk or an advocate.`
      : `Your ${o.kind_label.toLowerCase()} (case ${o.case_number}) expired on ${o.expires_on}. Ask the court or an advocate about a new order.`))
  view.append(
    ...reminders,
    h('div', { class: 'title-row' },
      h('h1', {}, 'Timeline'),
      h('button', { type: 'button', class: 'primary', onclick: () => openEditor(null) }, 'Add an incident with all details')),
    h('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() },
      field('Search', search),
      field('From', from), field('To', to), field('Kind', kind), field('Order', order), field('Police', reported)),
    count,
    list,
  )

  let timer
  // `early`: a first page already asked for, used when it asked the same question.
  const refresh = async (early) => {
    Object.assign(state, { text: search.value, from: from.value, to: to.value, kind: kind.value, order_id: order.value, reported: reported.value })
    const query = queryOf(state)
    const same = early?.query && JSON.stringify(early.query) === JSON.stringify(query)
    // Only the latest question's answer is shown: a slow answer to an older one must not
    // replace a quick answer to what was typed after it.
    const asked = ++asking
    window.daybookTimelineMs = window.daybookTimelineAllMs = window.daybookFirstRowsAt = null
    try {
      const started = same ? early.started : performance.now()
      // The rows first, the count of all after them: counting a million incidents takes
      // longer than reading a page.
      const page = await (same ? early.page : call('timeline', { query, limit: FIRST_ROWS, count: false }))
      if (asked !== asking) return
      window.daybookTimelineCallMs = performance.now() - started
      const filtered = Object.values(state).some(Boolean)
      count.textContent = ''
      showPages(list, query, page, started, asked)
      await new Promise(afterPaint)
      const total = page.total ?? await call('timeline_total', { query })
      if (asked !== asking) return
      count.textContent = `${total} incident${total === 1 ? '' : 's'}${filtered ? ' match' : ''}`
    } catch (error) {
      if (asked === asking) say(error.message, 'error')
    }
  }
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => refresh(), 150) })
  for (const control of [from, to, kind, order, reported]) control.addEventListener('change', () => refresh())
  await refresh(first)
}

/** What the `timeline` command is asked, from the search and filters. */
function queryOf(filters) {
  return {
    text: filters.text,
    from: filters.from || null,
    to: filters.to || null,
    kind: filters.kind || null,
    order_id: filters.order_id || null,
    reported: filters.reported === '' ? null : filters.reported === 'yes',
  }
}

// The list is read a page at a time: the first page as soon as the timeline opens, then the
// next whenever the end of the list comes within MORE_AHEAD of the window, so a journal of
// any size shows its first rows at once (src-tauri/tests/app_figures.rs measures it).
//
// Each page is drawn as a chunk of the list. A chunk further than KEEP_AROUND from the window
// is emptied and keeps only its height, and is asked for again (by the same keyset it was
// first read with) when it comes near, so the page holds a few hundred rows however far the
// list is scrolled: a page that kept every row it had drawn slowed with every screenful and
// never reached the end of 100,000 incidents.
const FIRST_ROWS = 200
const MORE_ROWS = 200
const ROWS_PER_FRAME = 50
// The first frame draws what fills a tall window (rows are 60 px or more), no more: it is
// the frame a person waits for after unlock, and this machine paints in software.
const FIRST_FRAME_ROWS = 20
const MORE_AHEAD = '2000px'
const KEEP_AROUND = '3000px'
// Counts the questions asked; only the latest one's answer is drawn.
let asking = 0

function showPages(list, query, first, started, asked) {
  clear(list)
  if (first.rows.length === 0) {
    list.append(h('p', { class: 'empty' }, 'Nothing here yet. Press Ctrl+N to record what happened; the date and time start at now.'))
    window.daybookTimelineMs = window.daybookTimelineAllMs = performance.now() - started
    return
  }
  const kindLabel = new Map(app.vocabulary.incident_kinds.map((k) => [k.key, k.label]))
  const current = () => asked === asking && list.isConnected
  const more = h('p', { class: 'more', 'aria-hidden': 'true' }, 'Loading more…')
  const chunks = new Map()

  // A chunk: the keyset it was read with, how many rows it holds, the month the chunk before
  // it ends in (its first month continues that one's list), and whether its rows are drawn.
  // `month` is the month its rows drawn so far end in.
  const newChunk = (after, count, previous) => {
    const chunk = { el: h('div', { class: 'chunk' }), after, count, index: chunks.size, continues: previous?.month ?? null, drawn: true, busy: true, near: true, month: null, ol: null }
    chunks.set(chunk.el, chunk)
    return chunk
  }
  const draw = (chunk, rows) => {
    const fragment = document.createDocumentFragment()
    for (const row of rows) {
      const key = row.local.slice(0, 7)
      if (key !== chunk.month) {
        // A month that goes on from the chunk before gets its heading again, marked as going
        // on (it stays at the top of the window while its rows pass), hidden from screen
        // readers, who heard it.
        const again = chunk.month === null && key === chunk.continues
        chunk.month = key
        const id = `m-${key}${again ? `-${chunk.index}` : ''}`
        chunk.ol = h('ol', { class: 'incidents', 'aria-labelledby': id })
        const title = again ? `${monthTitle(row.local)}, continued` : monthTitle(row.local)
        fragment.append(h('section', { class: again ? 'month continued' : 'month' }, h('h2', { id, 'aria-hidden': again ? 'true' : null }, title), chunk.ol))
      }
      chunk.ol.append(h('li', {},
        h('button', { type: 'button', class: 'incident', dataset: { id: row.id }, onclick: () => openEditor(row.id) },
          h('span', { class: 'when' }, `${formatLocal(row.local)} ${row.abbreviation}`, row.approximate ? ' (approx.)' : ''),
          h('span', { class: 'number' }, `#${row.number}`),
          h('span', { class: 'kinds' }, row.kinds.map((k) => kindLabel.get(k) ?? k).join(', ') || 'Kind not set'),
          h('span', { class: 'summary' }, row.summary || '(no description)'),
          h('span', { class: 'marks' },
            row.exhibits ? h('span', { class: 'badge' }, `${row.exhibits} exhibit${row.exhibits === 1 ? '' : 's'}`) : null,
            row.reported ? h('span', { class: 'badge reported' }, 'Reported to police') : null,
            row.amended ? h('span', { class: 'badge amended' }, 'Amended') : null),
        )))
    }
    chunk.el.append(fragment)
  }
  // A page is drawn a few rows per frame, so no frame waits long for the rows of a page.
  const drawInFrames = async (chunk, rows) => {
    for (let i = 0; i < rows.length && current(); i += ROWS_PER_FRAME) {
      if (i > 0) await new Promise(afterPaint)
      draw(chunk, rows.slice(i, i + ROWS_PER_FRAME))
    }
  }

  // Chunks far from the window are emptied; near ones are drawn again. The observer says when
  // a chunk comes near or goes away; `settle` makes its rows agree with that once it is not
  // busy being drawn.
  const keeper = new IntersectionObserver((entries) => {
    if (!current()) return keeper.disconnect()
    for (const entry of entries) {
      const chunk = chunks.get(entry.target)
      if (!chunk) continue
      chunk.near = entry.isIntersecting
      settle(chunk)
    }
  }, { rootMargin: `${KEEP_AROUND} 0px ${KEEP_AROUND} 0px` })
  const settle = (chunk) => {
    if (chunk.busy || !current()) return
    if (!chunk.near && chunk.drawn && !chunk.el.contains(document.activeElement)) {
      chunk.el.style.height = `${chunk.el.getBoundingClientRect().height}px`
      chunk.el.replaceChildren()
      chunk.drawn = false
    } else if (chunk.near && !chunk.drawn) {
      redraw(chunk)
    }
  }
  const redraw = async (chunk) => {
    chunk.busy = true
    try {
      const page = await call('timeline', { query, after: chunk.after, limit: chunk.count, count: false })
      if (!current()) return
      chunk.month = chunk.ol = null
      await drawInFrames(chunk, page.rows)
      if (!current()) return
      // What is on screen stays where it was: if the chunk starts above the window and its
      // drawn height is not the one it kept (the window was resized), the window follows.
      const below = chunk.el.nextElementSibling
      const was = below?.getBoundingClientRect().top
      chunk.el.style.height = ''
      chunk.drawn = true
      if (below && chunk.el.getBoundingClientRect().top < 0) {
        window.scrollBy(0, below.getBoundingClientRect().top - was)
      }
    } catch (error) {
      say(error.message, 'error')
    } finally {
      chunk.busy = false
    }
    settle(chunk)
  }
  // A chunk that held the focus was kept; once the focus leaves it, it may go.
  // (A property, not a listener: each new answer replaces the one before's.)
  list.onfocusout = (event) => {
    const chunk = chunks.get(event.target.closest?.('.chunk'))
    if (chunk) setTimeout(() => settle(chunk), 0)
  }
  const addChunk = async (after, rows, previous) => {
    const chunk = newChunk(after, rows.length, previous)
    list.insertBefore(chunk.el, more.isConnected ? more : null)
    keeper.observe(chunk.el)
    await drawInFrames(chunk, rows)
    chunk.busy = false
    settle(chunk)
    return chunk
  }

  const firstChunk = newChunk(null, first.rows.length, null)
  list.append(firstChunk.el)
  draw(firstChunk, first.rows.slice(0, FIRST_FRAME_ROWS))
  afterPaint(() => {
    window.daybookTimelineMs ??= performance.now() - started
    window.daybookFirstRowsAt ??= performance.now()
  })
  let last = firstChunk
  let next = first.next_after
  let loading = true
  // Below the rows: while it is near the window, the next page is asked for. Both a scroll
  // and the observer ask: the observer alone reports only changes, and one that came while a
  // page was loading would be missed.
  if (next != null) list.append(more)
  const loadMore = async () => {
    if (loading) return
    loading = true
    try {
      while (next != null && current() && nearEnd(more)) {
        const after = next
        const page = await call('timeline', { query, after, limit: MORE_ROWS })
        if (!current()) break
        next = page.next_after
        last = await addChunk(after, page.rows, last)
      }
    } catch (error) {
      say(error.message, 'error')
    } finally {
      loading = false
    }
    if (next == null || !current()) stop()
  }
  const onScroll = () => (current() ? loadMore() : stop())
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadMore()
  }, { rootMargin: `0px 0px ${MORE_AHEAD} 0px` })
  const stop = () => {
    observer.disconnect()
    window.removeEventListener('scroll', onScroll)
    more.remove()
    if (!current()) keeper.disconnect()
    if (next == null && current()) window.daybookTimelineAllMs = performance.now() - started
  }
  // The rest of the first page after the first rows are on screen.
  new Promise(afterPaint).then(() => drawInFrames(firstChunk, first.rows.slice(FIRST_FRAME_ROWS))).then(() => {
    firstChunk.busy = false
    keeper.observe(firstChunk.el)
    loading = false
    if (next == null || !current()) return stop()
    observer.observe(more)
    window.addEventListener('scroll', onScroll, { passive: true })
    loadMore()
  })
}

/** Whether `marker` is within MORE_AHEAD below the bottom of the window. */
function nearEnd(marker) {
  return marker.getBoundingClientRect().top < window.innerHeight + parseInt(MORE_AHEAD, 10)
}

/** Runs `then` after the next frame has been painted: a timer alone can run before it. */
function afterPaint(then) {
  requestAnimationFrame(() => setTimeout(then, 0))
}
