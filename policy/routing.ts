// Where each item of a case is worked on (DESIGN §7 "Places and people"), and what of
// the application goes with it. Pure functions of the application and the pack: the
// workflow computes them once, at the start of the case, and the API checks tokens
// against the same rules.

import { sectionsOf } from './packs.js';
import type { Application, ApplicationSection, Department, ItemDefinition } from './types.js';

export interface Routing {
  /** The office that sees and decides the item: a hospital's code, or `<department>:<division code>`. */
  institution: string;
  /** The 6-digit division the institution serves, for supervisors scoped by province, city or county. */
  division: string;
}

/**
 * The county whose offices take the child's items: where the hukou of the parent the
 * child is registered with lies. When that parent has none (the case is then
 * ineligible for the hukou item, but others may run), the other parent's, else the
 * county of birth, so every item still has one office.
 */
export function registrationDivision(application: Application): string {
  const followed = application.birthRegistration.followParent === 'father' ? application.father : application.mother;
  const other = application.birthRegistration.followParent === 'father' ? application.mother : application.father;
  return followed?.hukou?.divisionCode ?? other?.hukou?.divisionCode ?? application.delivery.divisionCode;
}

/** Hospital items go to the delivering hospital; every other item to its department's office of the registration county. */
export function routeItem(def: Pick<ItemDefinition, 'department'>, application: Application): Routing {
  if (def.department === 'hospital') return { institution: application.delivery.institutionCode, division: application.delivery.divisionCode };
  const division = registrationDivision(application);
  return { institution: `${def.department}:${division}`, division };
}

/** Whether an institution (as a token names it) can belong to the department: `police:620102` to the police, a hospital code to a hospital. */
export function institutionFitsDepartment(department: Department, institution: string): boolean {
  if (department === 'hospital') return institution.length <= 32 && !institution.includes(':');
  return new RegExp(`^${department}:\\d{6}$`).test(institution);
}

/** A supervisor's division claim: a province (2 digits), city (4) or county (6) prefix. */
export const DIVISION_PREFIX = /^\d{2}(\d{2}){0,2}$/;

/** The sections of the application an item's department is granted, those the applicant filled in. */
export function grantedData(application: Application, sections: readonly ApplicationSection[]): Partial<Pick<Application, ApplicationSection>> {
  const data: Partial<Record<ApplicationSection, unknown>> = {};
  for (const section of sections) {
    const value = application[section];
    if (value !== undefined && value !== null) data[section] = value;
  }
  return data as Partial<Pick<Application, ApplicationSection>>;
}

/** The item's granted data, by its pack definition. */
export function itemData(def: ItemDefinition, application: Application) {
  return grantedData(application, sectionsOf(def));
}

/** The documents the applicant attached to this item at submission. */
export function attachedDocuments(application: Application, item: ItemDefinition['item']): { name: string; reference: string }[] {
  return (application.documents ?? []).filter((d) => d.item === item).map(({ name, reference }) => ({ name, reference }));
}
