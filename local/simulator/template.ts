/** `{name}` placeholders in model templates. */

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;

export type TemplateValues = Readonly<Record<string, string | number>>;

/** Replaces each `{name}` with its value; names without a value stay as written. */
export function render(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : String(value);
  });
}

/** The placeholder names a template uses that are not in `known`. */
export function unknownPlaceholders(template: string, known: ReadonlySet<string>): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '').filter((name) => !known.has(name));
}
