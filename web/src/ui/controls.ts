/**
 * The form controls and the state: each control's element is found by its key (id, or the radio
 * group's name for `path`), changes go out through one callback, and `renderControls` shows a state
 * (values, the source tab, which fieldsets apply).
 */
import { parseValue, SPECS, type Key, type LabState, type Source } from '../state.js';
import { $ } from './dom.js';

const TABS: Source[] = ['play', 'digits', 'own'];

/** Wires every control to `onChange(key, value)`; `onSubmit` on Enter in a field. */
export function bindControls(onChange: (key: Key, value: LabState[Key]) => void, onSubmit: () => void, current: () => LabState): void {
  for (const key of Object.keys(SPECS) as Key[]) {
    if (key === 'src' || key === 'path') continue;
    const input = document.getElementById(key) as HTMLInputElement | HTMLSelectElement | null;
    if (!input) continue;
    const read = () => {
      const value = parseValue(key, input.value);
      if (value === undefined) input.value = String(current()[key]);
      else onChange(key, value);
    };
    input.addEventListener(key === 't' ? 'input' : 'change', read);
    input.addEventListener('keydown', (event) => {
      if ((event as KeyboardEvent).key === 'Enter' && key !== 't') {
        read();
        onSubmit();
      }
    });
  }
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=path]')) {
    radio.addEventListener('change', () => radio.checked && onChange('path', radio.value as LabState['path']));
  }
  // Tabs with manual activation: arrows move the focus, Enter, Space or a click selects.
  const tabs = TABS.map((src) => $(`tab-${src}`));
  tabs.forEach((tab, k) => {
    tab.addEventListener('click', () => onChange('src', TABS[k]));
    tab.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (!step) return;
      event.preventDefault();
      tabs[(k + step + tabs.length) % tabs.length].focus();
    });
  });
}

/** Shows `state` in the controls. */
export function renderControls(state: LabState): void {
  for (const key of Object.keys(SPECS) as Key[]) {
    const input = document.getElementById(key) as HTMLInputElement | HTMLSelectElement | null;
    if (input && key !== 'src' && document.activeElement !== input) input.value = String(state[key]);
  }
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=path]')) radio.checked = radio.value === state.path;
  for (const src of TABS) {
    const selected = src === state.src;
    const tab = $(`tab-${src}`);
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    $(`panel-${src}`).hidden = !selected;
  }
  $('networks').hidden = state.src === 'own';
  $('training-card').hidden = state.src === 'own';
  ($('classes') as HTMLInputElement).disabled = state.data === 'moons';
  $('idx-label').hidden = state.owndata !== 'idx';
  $('run').textContent = state.src === 'own' ? 'Analyse' : 'Train and analyse';
  $('t').setAttribute('aria-valuetext', `t = ${state.t.toFixed(2)}`);
}
