// Exports: the court report, the evidence packet, the officer sheet and the notice for a
// school, workplace or building. Files are saved where the user chooses in the system's save
// dialog; nothing else is written.

import { call } from '../api.js'
import { h, field, input, select, say, quickExitButton } from '../dom.js'
import { showBusy, hideBusy } from '../app.js'

export async function showExport(view) {
  const orders = await call('list_orders').catch(() => [])
  const others = await call('other_conversations').catch(() => [])
  const conversations = otherConversations(others)
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
  const maxMb = select([
    ['10', '10 MB per file (fits most court e-filing systems)'],
    ['15', '15 MB per file'],
    ['25', '25 MB per file'],
    ['35', '35 MB per file'],
    ['50', '50 MB per file'],
    ['0', 'One file, whatever its size'],
  ], '10', { id: 'export-max-mb' })
  const packetFormat = select([
    ['folder', 'A folder (to copy to a USB stick)'],
    ['zip', 'One zip file'],
    ['zip-passphrase', 'One zip file locked with a passphrase you tell the recipient'],
    ['zip-recipient', 'One zip file only the attorney can open (needs their public key)'],
  ], 'folder', { id: 'packet-format' })
  const recipient = input({ id: 'packet-recipient', autocomplete: 'off', spellcheck: false, placeholder: 'age1… or ssh-ed25519 …' })
  const packetPass = input({ type: 'password', id: 'packet-passphrase', autocomplete: 'new-password' })
  const packetPass2 = input({ type: 'password', id: 'packet-passphrase-again', autocomplete: 'new-password' })
  const recipientField = field('The attorney\'s public key', recipient, 'Ask the attorney or their office for an age or SSH public key. Only the matching private key can open the packet.')
  const passField = h('div', { class: 'row' },
    field('Packet passphrase', packetPass, 'Not your journal passphrase. At least 12 characters. Tell it by phone or in person, never in the same email as the file.'),
    field('Packet passphrase again', packetPass2))
  const showPacketFields = () => {
    recipientField.hidden = packetFormat.value !== 'zip-recipient'
    passField.hidden = packetFormat.value !== 'zip-passphrase'
  }
  packetFormat.addEventListener('change', showPacketFields)
  showPacketFields()
  const orderNames = orders.map((o) => [o.id, `${o.kind_label}, case ${o.case_number}`])
  const sheetOrder = select(orderNames, orders[0]?.id ?? '', { id: 'sheet-order' })
  const last = input({ type: 'number', id: 'sheet-last', min: 1, max: 20, value: 5 })
  const sheetWithOrder = withOrderBox('sheet-with-order', 'Add the order\'s pages after the sheet', sheetOrder)
  const noticePlace = select([
    ['school', 'A school or daycare'],
    ['workplace', 'A workplace'],
    ['building', 'A building\'s front desk or concierge'],
  ], 'school', { id: 'notice-place' })
  const noticeOrder = select(orderNames, orders[0]?.id ?? '', { id: 'notice-order' })
  const noticeCall = input({ type: 'tel', id: 'notice-call', autocomplete: 'off', maxlength: 40 })
  const noticeWithOrder = withOrderBox('notice-with-order', 'Add the order\'s pages', noticeOrder)
  const noticePaper = select([['letter', 'US Letter'], ['a4', 'A4']], 'letter', { id: 'notice-paper' })
  const result = h('div', { id: 'export-result', 'aria-live': 'polite' })

  const request = () => ({ from: from.value || null, to: to.value || null, order_id: order.value || null, a4: paper.value === 'a4', redact: redact.value, max_mb: Number(maxMb.value), threads: conversations.chosen() })
  const packetRequest = () => {
    if (packetFormat.value === 'zip-passphrase' && packetPass.value !== packetPass2.value) {
      throw new Error('The two packet passphrases are not the same. Type them again. Nothing was saved.')
    }
    return { ...request(), packet_format: packetFormat.value, recipient: recipient.value || null, packet_passphrase: packetPass.value || null }
  }
  // Where a handout that could not carry the order's pages offers to go without them: under its
  // own button, since the message region at the top has scrolled out of sight by then.
  const sheetOffer = h('div', { class: 'offer', id: 'sheet-offer' })
  const noticeOffer = h('div', { class: 'offer', id: 'notice-offer' })
  // `withoutOrder`: { text, place } of the button that saves the handout without the order's
  // pages, offered when those cannot be copied in (the person decides; nothing is written
  // without them unasked).
  const run = async (command, label, makeArgs, withoutOrder) => {
    result.replaceChildren()
    sheetOffer.replaceChildren()
    noticeOffer.replaceChildren()
    let args
    try {
      args = makeArgs()
    } catch (error) {
      return say(error.message, 'error')
    }
    if (command === 'export_packet') {
      // Originals that record where they were taken: the person chooses before anything is written.
      let located
      try {
        located = await call('packet_locations', { request: args })
      } catch (error) {
        return say(error.message, 'error')
      }
      if (located.length > 0) {
        const originals = await chooseOriginals(located)
        if (!originals) return say('Not saved. Nothing was written.')
        args = { ...args, originals }
      }
    }
    showBusy(label)
    try {
      const done = await call(command, { request: args })
      if (!done) return say('Not saved: no file was chosen.')
      say(done.summary, 'success')
      const openable = command !== 'export_packet' || packetFormat.value !== 'folder'
      result.append(h('ul', { class: 'files' }, done.files.map((file) => h('li', { class: 'file' }, file))),
        openable && command !== 'export_packet' ? h('button', { type: 'button', id: 'open-export', onclick: () => call('open_export', { path: done.path }).catch((e) => say(e.message, 'error')) }, done.files.length > 1 ? 'Open volume 1' : 'Open it') : null)
      if (command === 'export_packet') {
        packetPass.value = ''
        packetPass2.value = ''
      }
    } catch (error) {
      say(error.message, 'error')
      if (withoutOrder && error.details?.without_order) {
        const button = h('button', { type: 'button', id: 'save-without-order', onclick: () => run(command, label, () => ({ ...args, with_order: false })) }, withoutOrder.text)
        withoutOrder.place.replaceChildren(h('p', { class: 'message error' }, error.message), h('div', { class: 'actions' }, button))
        button.scrollIntoView({ block: 'center' })
        button.focus()
      }
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
      field('Largest file', maxMb, 'Courts limit the size of each filed PDF. A larger report is saved as several files (volume 1, volume 2 …) with page numbers running straight through. Ask the clerk for your court\'s limit.'),
      conversations,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', id: 'export-report', onclick: () => run('export_report', 'Making the court report…', request) }, 'Save the court report…'))),
    h('section', { class: 'card' },
      h('h2', {}, 'Evidence packet'),
      h('p', {}, 'For an attorney or the court: the court report (with the dates, order, privacy choices and conversations above), every original file byte for byte, and a signed list of fingerprints that anyone can check.'),
      field('Save it as', packetFormat),
      recipientField,
      passField,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', id: 'export-packet', onclick: () => run('export_packet', 'Making the evidence packet…', packetRequest) }, 'Save the evidence packet…'))),
    h('section', { class: 'card' },
      h('h2', {}, 'Officer sheet (one page)'),
      h('p', {}, 'To hand to police at the door: the order, its terms, the restrained person with photo, and the latest violations. Not for filing.'),
      h('div', { class: 'row' }, field('Order', sheetOrder), field('How many recent incidents', last)),
      sheetWithOrder,
      h('div', { class: 'actions' },
        h('button', {
          type: 'button',
          class: 'primary',
          id: 'export-sheet',
          onclick: () => run('export_officer_sheet', 'Making the officer sheet…',
            () => ({ order_id: sheetOrder.value || null, last: Number(last.value) || 5, a4: paper.value === 'a4', with_order: sheetWithOrder.wanted() }),
            { text: 'Save the sheet without the order\'s pages', place: sheetOffer }),
        }, 'Save the officer sheet…')),
      sheetOffer),
    h('section', { class: 'card', id: 'notice-section' },
      h('h2', {}, 'Notice for a school, workplace or building'),
      h('p', {}, 'One page for the people who guard a door the restrained person may come to: a school office, an employer\'s front desk, a building\'s concierge. It shows who to watch for, what the order says about that place, and what to do. It says nothing about what happened to you, and none of your addresses or usual phone numbers.'),
      h('div', { class: 'row' }, field('Where it is for', noticePlace), field('Order', noticeOrder)),
      h('div', { class: 'row' },
        field('Phone number to print (optional)', noticeCall, 'The number staff should call after 911. Choose one for this notice; it is printed.'),
        field('Paper', noticePaper)),
      noticeWithOrder,
      h('div', { class: 'actions' },
        h('button', {
          type: 'button',
          class: 'primary',
          id: 'export-notice',
          onclick: () => run('export_notice', 'Making the notice…',
            () => ({ place: noticePlace.value, order_id: noticeOrder.value || null, call: noticeCall.value.trim() || null, a4: noticePaper.value === 'a4', with_order: noticeWithOrder.wanted() }),
            { text: 'Save the notice without the order\'s pages', place: noticeOffer }),
        }, 'Save the notice…')),
      noticeOffer),
    result)
}

/**
 * "Other conversations to include": the phone backup's conversations that are not with the
 * restrained person (family, friends, an attorney), closed until opened, none ticked. Nothing
 * is drawn when there are none. `.chosen()` gives the ticked numbers (normalised, as the
 * export request's `threads` takes them).
 */
function otherConversations(others) {
  const boxes = others.map((c, i) => h('input', { type: 'checkbox', id: `export-thread-${i}`, value: c.number }))
  const wrap = others.length === 0
    ? h('div', { id: 'export-threads', hidden: true })
    : h('details', { class: 'other-conversations', id: 'export-threads' },
      h('summary', {}, h('strong', {}, 'Other conversations to include'), ` (optional, ${others.length === 1 ? '1 conversation' : `${others.length} conversations`})`),
      h('p', { class: 'hint', id: 'export-threads-why' }, 'Only the restrained person\'s texts and calls are printed, unless you choose more here. A conversation you tick is printed in the court report, under “Other conversations the protected person chose to include”, and is in the evidence packet too. Whoever reads the report can read it, and a report given to the court may reach the other side. Everything else from your phone stays private in this journal.'),
      h('fieldset', { 'aria-describedby': 'export-threads-why' },
        h('legend', {}, 'Choose the conversations to print'),
        others.map((c, i) => h('p', { class: 'check' }, boxes[i], h('label', { for: boxes[i].id }, conversationLabel(c))))))
  wrap.chosen = () => boxes.filter((b) => b.checked).map((b) => b.value)
  return wrap
}

/** "“Mom”, +1 510-555-0100: 2 texts, 1 call" (the phone's own label first, when it has one). */
function conversationLabel(c) {
  const counted = [c.texts ? `${c.texts} ${c.texts === 1 ? 'text' : 'texts'}` : null, c.calls ? `${c.calls} ${c.calls === 1 ? 'call' : 'calls'}` : null]
    .filter(Boolean).join(', ')
  const who = c.saved_as.length ? `${c.saved_as.map((n) => `“${n}”`).join(', ')}, ${c.shown}` : c.shown
  return `${who}: ${counted || 'no texts or calls'}`
}

/**
 * The "add the order's pages" checkbox, with a line under it saying whether the chosen order's
 * pages can be added (kept up to date as another order is chosen). `.wanted()` reads the box.
 */
function withOrderBox(id, label, orderSelect) {
  const box = h('input', { type: 'checkbox', id, 'aria-describedby': `${id}-status` })
  const status = h('p', { class: 'hint', id: `${id}-status`, 'aria-live': 'polite' })
  const check = () => {
    if (!orderSelect.value) {
      status.textContent = 'Add an order first, under Orders and people.'
      return
    }
    call('order_pages_status', { orderId: orderSelect.value })
      .then((s) => { status.textContent = s.ready ? `Ready to add: ${s.pages === 1 ? '1 page' : `${s.pages} pages`} of the order's papers, each marked as a copy.` : s.problem })
      .catch((error) => { status.textContent = error.message })
  }
  orderSelect.addEventListener('change', check)
  check()
  const wrap = h('div', { class: 'with-order' }, h('p', { class: 'check' }, box, h('label', { for: id }, label)), status)
  wrap.wanted = () => box.checked
  return wrap
}

/**
 * Asks how exhibits that record a location go into the packet. Resolves to "without-location",
 * "exact", or null when the person cancels. Focus returns to where it was.
 */
function chooseOriginals(located) {
  return new Promise((resolve) => {
    const before = document.activeElement
    const list = h('ul', { class: 'files' }, located.map((e) => h('li', {}, `${e.exhibit} (${e.file}): ${e.says.join(' ')}`)))
    const dialog = h('dialog', { class: 'ask', id: 'originals-dialog', 'aria-labelledby': 'originals-title', 'aria-describedby': 'originals-why' },
      h('form', { method: 'dialog' },
        h('h2', { id: 'originals-title' }, 'Some files show where they were taken'),
        h('p', { id: 'originals-why' }, 'These photos or videos record a place, often where you were. Anyone who gets the packet can read it, and a packet given to the court may reach the other side.'),
        list,
        h('div', { class: 'actions' },
          h('button', { type: 'submit', class: 'primary', value: 'without-location', id: 'originals-without-location' }, 'Remove the location (recommended)'),
          h('button', { type: 'submit', value: 'exact', id: 'originals-exact' }, 'Keep the exact originals'),
          h('button', { type: 'button', onclick: () => dialog.close('cancel') }, 'Cancel'),
          quickExitButton()),
        h('p', { class: 'hint' }, 'Removing it changes only the location and the device\'s serial numbers; the picture and everything else stay exactly as they were, and your journal keeps the originals. Keep the exact originals only for someone who needs them, such as your own attorney.')))
    dialog.addEventListener('close', () => {
      dialog.remove()
      if (before && typeof before.focus === 'function') before.focus()
      resolve(['without-location', 'exact'].includes(dialog.returnValue) ? dialog.returnValue : null)
    })
    document.body.append(dialog)
    dialog.showModal()
    dialog.querySelector('#originals-without-location').focus()
  })
}
