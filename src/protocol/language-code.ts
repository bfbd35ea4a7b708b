/**
 * LanguageCode: the sender language. JSON headers carry the name, ROCKETMQ binary headers the byte.
 * NODE_JS (13) exists only in 5.x; older Java peers fail to parse an unknown name, so we send JAVA.
 */
export const LanguageCode = {
  JAVA: 0,
  CPP: 1,
  DOTNET: 2,
  PYTHON: 3,
  DELPHI: 4,
  ERLANG: 5,
  RUBY: 6,
  OTHER: 7,
  HTTP: 8,
  GO: 9,
  PHP: 10,
  OMS: 11,
  RUST: 12,
  NODE_JS: 13,
} as const;

export type LanguageCodeName = keyof typeof LanguageCode;

const languageNames: string[] = [];
for (const [name, code] of Object.entries(LanguageCode)) languageNames[code] = name;

/** Byte for a language name; unknown names map to OTHER. */
export function languageCodeOf(name: string): number {
  const code = (LanguageCode as Record<string, number>)[name];
  return code === undefined ? LanguageCode.OTHER : code;
}

/** Name for a language byte; unknown bytes map to "OTHER". */
export function languageNameOf(code: number): string {
  return languageNames[code] ?? 'OTHER';
}
