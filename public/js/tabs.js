// The WAI-ARIA tabs pattern: roving tabindex, arrow keys / Home / End move and activate, panels follow.

/**
 * Wires a [role=tablist]. Each [role=tab] names its panel in aria-controls. Returns select(tabOrId, opts).
 * onChange(tab, panel) runs after every change of selection.
 */
export function setupTabs (tablist, { onChange } = {}) {
  const tabs = [...tablist.querySelectorAll('[role="tab"]')]
  const panelOf = (tab) => document.getElementById(tab.getAttribute('aria-controls'))

  function select (target, { focus = false } = {}) {
    const tab = typeof target === 'string' ? tabs.find((t) => t.id === target || t.dataset.hash === target) : target
    if (!tab) return
    const changed = tab.getAttribute('aria-selected') !== 'true'
    for (const t of tabs) {
      const selected = t === tab
      t.setAttribute('aria-selected', String(selected))
      t.tabIndex = selected ? 0 : -1
      panelOf(t).hidden = !selected
    }
    if (focus) tab.focus()
    if (changed || !select.started) onChange?.(tab, panelOf(tab))
    select.started = true
  }

  tablist.addEventListener('click', (e) => {
    const tab = e.target.closest('[role="tab"]')
    if (tab && tabs.includes(tab)) select(tab)
  })

  tablist.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(e.target.closest('[role="tab"]'))
    if (i === -1) return
    const keys = {
      ArrowRight: i + 1,
      ArrowDown: i + 1,
      ArrowLeft: i - 1,
      ArrowUp: i - 1,
      Home: 0,
      End: tabs.length - 1
    }
    if (!(e.key in keys) || e.altKey || e.ctrlKey || e.metaKey) return
    e.preventDefault()
    const next = tabs[(keys[e.key] + tabs.length) % tabs.length]
    select(next, { focus: true })
  })

  return { select, tabs, selected: () => tabs.find((t) => t.getAttribute('aria-selected') === 'true') }
}
