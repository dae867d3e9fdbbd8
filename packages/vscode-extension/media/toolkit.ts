/**
 * The only module that knows about @vscode/webview-ui-toolkit (1.4.0, pinned; the toolkit is
 * deprecated upstream). Panels build controls through these functions, so moving to
 * @vscode-elements/elements means rewriting this file alone.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDivider,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeProgressRing,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;
function register(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeCheckbox(),
    vsCodeDivider(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodeProgressRing(),
    vsCodeTextField(),
  );
}

export interface ButtonOptions {
  readonly id?: string;
  readonly secondary?: boolean;
  readonly title?: string;
}

export function button(label: string, onClick: () => void, options: ButtonOptions = {}): HTMLElement {
  register();
  const el = document.createElement('vscode-button');
  el.textContent = label;
  if (options.id) el.id = options.id;
  if (options.title) el.title = options.title;
  if (options.secondary) el.setAttribute('appearance', 'secondary');
  el.addEventListener('click', () => {
    if (!el.hasAttribute('disabled')) onClick();
  });
  return el;
}

export function setDisabled(el: HTMLElement, disabled: boolean): void {
  el.toggleAttribute('disabled', disabled);
}

export function checkbox(
  label: string,
  checked: boolean,
  onChange: (checked: boolean) => void,
  id?: string,
): HTMLElement {
  register();
  const el = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  el.textContent = label;
  if (id) el.id = id;
  el.checked = checked;
  if (checked) el.setAttribute('checked', '');
  el.addEventListener('change', () => onChange(el.checked));
  return el;
}

export interface Choice {
  readonly value: string;
  readonly label: string;
  readonly title?: string;
}

export function dropdown(
  choices: readonly Choice[],
  value: string,
  onChange: (value: string) => void,
  id?: string,
): HTMLElement {
  register();
  const el = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  if (id) el.id = id;
  for (const choice of choices) {
    const option = document.createElement('vscode-option') as HTMLElement & { value: string };
    option.setAttribute('value', choice.value);
    option.textContent = choice.label;
    if (choice.title) option.title = choice.title;
    if (choice.value === value) option.setAttribute('selected', '');
    el.append(option);
  }
  el.addEventListener('change', () => onChange(el.value));
  return el;
}

export function textField(
  label: string,
  value: string,
  onChange: (value: string) => void,
  options: { id?: string; title?: string; size?: number } = {},
): HTMLElement {
  register();
  const el = document.createElement('vscode-text-field') as HTMLElement & { value: string };
  el.textContent = label;
  el.setAttribute('value', value);
  if (options.size) el.setAttribute('size', String(options.size));
  if (options.id) el.id = options.id;
  if (options.title) el.title = options.title;
  el.addEventListener('change', () => onChange(el.value));
  return el;
}

export function progressRing(): HTMLElement {
  register();
  return document.createElement('vscode-progress-ring');
}

export function divider(): HTMLElement {
  register();
  return document.createElement('vscode-divider');
}
