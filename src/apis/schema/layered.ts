import type { Definitions, JSONSchema } from './types.js';

/**
 * Definitions of one custom resource laid over the built-in ones, without copying them: a CRD's
 * schema can refer to ObjectMeta and the other shared definitions by name.
 */
export class LayeredDefinitions extends Map<string, JSONSchema> {
  constructor(private readonly base: Definitions) {
    super();
  }
  override get(name: string): JSONSchema | undefined {
    return super.get(name) ?? this.base.get(name);
  }
  override has(name: string): boolean {
    return super.has(name) || this.base.has(name);
  }
  /** Only the definitions added on top of the base. */
  own(): IterableIterator<[string, JSONSchema]> {
    return super.entries();
  }
}
