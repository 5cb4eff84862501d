// Items of one delivery (DESIGN §7 "Births and attempts"): a child's item once per child,
// a mother's item once. Pure code: the workflow bundle imports it.

import { concernsOf } from './packs.js';
import type { Application, ItemDefinition } from './types.js';

export interface KeyedItem {
  key: string;
  definition: ItemDefinition;
  /** 1, 2, … for a child's item when the delivery has more than one child. */
  child?: number;
}

/** How many children the application names (the single-child form: one). */
export function childCount(application: Pick<Application, 'children'>): number {
  return application.children?.length || 1;
}

/** Every item of the pack for a delivery of `children` children, in pack order, each child's in the order of the children. */
export function keyedItems(items: readonly ItemDefinition[], children: number): KeyedItem[] {
  return items.flatMap((definition): KeyedItem[] => {
    if (children <= 1 || concernsOf(definition) === 'mother') return [{ key: definition.item, definition }];
    return Array.from({ length: children }, (_, i) => ({ key: `${definition.item}.${i + 1}`, definition, child: i + 1 }));
  });
}

/**
 * The application as one child's item sees it: `child` and the birth fields of
 * `delivery` are that child's. Without `child` (a mother's item, or one child) the
 * application as it stands, whose `child` and `delivery` describe the earliest birth.
 */
export function applicationForChild(application: Application, child?: number): Application {
  const birth = child === undefined ? undefined : application.children?.[child - 1];
  if (!birth) return application;
  return {
    ...application,
    child: { name: birth.name },
    delivery: { ...application.delivery, bornAt: birth.bornAt, childSex: birth.sex, weightGrams: birth.weightGrams },
  };
}

/** The application with one child's birth time corrected (a supplement to a birth certificate); `delivery` follows the earliest birth. */
export function correctBirth(application: Application, child: number, bornAt: string): Application {
  const children = (application.children ?? []).map((c, i) => (i === child - 1 ? { ...c, bornAt } : c));
  if (children.length === 0) return { ...application, delivery: { ...application.delivery, bornAt } };
  const earliest = children.reduce((a, b) => (Date.parse(b.bornAt) < Date.parse(a.bornAt) ? b : a));
  return { ...application, children, child: { name: earliest.name }, delivery: { ...application.delivery, bornAt: earliest.bornAt, childSex: earliest.sex, weightGrams: earliest.weightGrams } };
}
