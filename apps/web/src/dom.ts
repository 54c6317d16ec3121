/** The page's elements by id, checked once at start so a renamed id fails loudly instead of silently. */
export function byId<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`demo page: #${id} is missing or not a ${type.name}`);
  return element;
}

/** Shows `message` in an inline error box, or hides the box for an empty message. */
export function showError(box: HTMLElement, message: string): void {
  box.textContent = message;
  box.hidden = message === '';
}

/** Marks a button as working (spinner, disabled) for the duration of `task`. */
export async function busy<T>(button: HTMLButtonElement, task: () => Promise<T>): Promise<T> {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await task();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** Replaces a select's options. */
export function setOptions(
  select: HTMLSelectElement,
  options: ReadonlyArray<{ value: string; label: string }>,
): void {
  select.replaceChildren(
    ...options.map(({ value, label }) => {
      const option = select.ownerDocument.createElement('option');
      option.value = value;
      option.textContent = label;
      return option;
    }),
  );
}
