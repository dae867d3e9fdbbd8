import type { AnyFactorizer, OptionSpec } from '@lowrank/core';
import type { MethodInfo, OptionInfo } from '../shared/protocol.js';

/** A JSON-safe description of a plugin, for the webview's method picker and options form. */
export function describeMethod(plugin: AnyFactorizer, custom: boolean): MethodInfo {
  const options: OptionInfo[] = [];
  for (const [key, raw] of Object.entries(plugin.options as Record<string, OptionSpec>)) {
    const base = {
      key,
      type: raw.type,
      label: raw.label ?? key,
      description: raw.description,
      default: raw.default,
    };
    if (raw.type === 'number' || raw.type === 'integer') {
      options.push({
        ...base,
        ...(raw.min === undefined ? {} : { min: raw.min }),
        ...(raw.max === undefined ? {} : { max: raw.max }),
        ...(raw.allowAuto ? { allowAuto: true } : {}),
      });
    } else if (raw.type === 'enum') {
      options.push({ ...base, values: [...raw.values] });
    } else {
      options.push(base);
    }
  }
  return {
    name: plugin.meta.name,
    displayName: plugin.meta.displayName,
    description: plugin.meta.description,
    kind: plugin.kind,
    options,
    custom,
  };
}
