/**
 * Server-side printing: turning objects into a meta.k8s.io Table with the columns kubectl
 * shows. Per-kind printers live beside this file; kinds without one get Name and Created At.
 */
import type { KObject } from '../../apis/object.js';
import { errorMessage, invalid } from '../../apis/validation/field.js';
import { badRequest } from '../errors.js';
import type { ResourceType, ServedVersion, TableColumn, TablePrinter } from '../registry/types.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export const nameColumn: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Cannot be updated.',
  priority: 0,
};

export const defaultPrinter: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Created At', type: 'date', format: '', description: 'When the object was created.', priority: 0 },
  ],
  cells: (o) => [o.metadata?.name ?? '', o.metadata?.creationTimestamp ?? ''],
};

export function printerFor(type: ResourceType, version: ServedVersion): TablePrinter {
  return version.table ?? type.table ?? defaultPrinter;
}

export function rowObject(o: KObject, include: IncludeObject, tableVersion: string): unknown {
  if (include === 'Object') return o;
  if (include === 'None') return undefined;
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${tableVersion}`, metadata: o.metadata ?? {} };
}

export interface TableOptions {
  include: IncludeObject;
  /** Table API version: v1 (or v1beta1 for old clients). */
  tableVersion: string;
  withColumns: boolean;
  listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  now?: number;
}

export function buildTable(printer: TablePrinter, objs: KObject[], opts: TableOptions): Record<string, unknown> {
  const now = opts.now ?? Date.now();
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.tableVersion}`,
    metadata: opts.listMeta ?? {},
    ...(opts.withColumns ? { columnDefinitions: printer.columns } : { columnDefinitions: null }),
    rows: objs.map((o) => {
      const object = rowObject(o, opts.include, opts.tableVersion);
      return { cells: safeCells(printer, o, now), ...(object !== undefined ? { object } : {}) };
    }),
  };
}

function safeCells(printer: TablePrinter, o: KObject, now: number): unknown[] {
  try {
    return printer.cells(o, now);
  } catch {
    // A malformed stored object must not break listing: show its name and blanks.
    return printer.columns.map((c, i) => (i === 0 ? o.metadata?.name ?? '' : c.type === 'integer' ? 0 : '<unknown>'));
  }
}

/** The includeObject parameter of a Table request (TableOptions); unset or empty means Metadata. */
export function parseIncludeObject(v: string | null): IncludeObject {
  if (v === 'None' || v === 'Object' || v === 'Metadata') return v;
  if (v === null || v === '') return 'Metadata';
  // kube-apiserver's optionsForTransform: ValidateTableOptions' error as a 400.
  throw badRequest(`Unable to convert to Table as requested: ${errorMessage(invalid('includeObject', v, "must be 'Metadata', 'Object', 'None', or empty"))}`);
}
