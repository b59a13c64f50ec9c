import { CONTACT_CHANNELS } from '@crm/domain';
import {
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';

/**
 * What serving a customer costs per contact channel, in minor units of one currency: the cost a contact is
 * charged when it carries no `cost` of its own. Channels left out cost nothing.
 */
export interface CostToServeTable {
  readonly currency: string;
  readonly minorByChannel: Readonly<Partial<Record<string, number>>>;
}

/** The economics of the profitability answers: gross margin on revenue and the cost-to-serve table. */
export interface CustomerEconomicsSetting {
  /** Share of revenue that is gross margin, 0-1. */
  readonly margin: number;
  readonly costToServe: CostToServeTable;
}

const ENTRY = /^([a-z_]+)=(\d{1,12})$/;

/** Why `COST_TO_SERVE` is unusable, or undefined. Format: `channel=minor,channel=minor` (may be empty). */
export function costToServeProblem(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const seen = new Set<string>();
  for (const entry of value.split(',')) {
    const match = ENTRY.exec(entry.trim());
    if (!match) return `"${entry}" is not channel=integer minor units`;
    const channel = match[1];
    if (!(CONTACT_CHANNELS as readonly string[]).includes(channel)) {
      return `unknown channel "${channel}" (one of ${CONTACT_CHANNELS.join(', ')})`;
    }
    if (seen.has(channel)) return `channel "${channel}" is given twice`;
    seen.add(channel);
  }
  return undefined;
}

export function parseCostToServe(value: string): Record<string, number> {
  if (value.trim() === '') return {};
  return Object.fromEntries(
    value.split(',').map((entry) => {
      const [channel, minor] = entry.trim().split('=');
      return [channel, Number(minor)];
    }),
  );
}

@ValidatorConstraint({ name: 'costToServe' })
export class CostToServeConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && costToServeProblem(value) === undefined;
  }

  defaultMessage(args?: ValidationArguments): string {
    const value: unknown = args?.value;
    return `COST_TO_SERVE must be channel=minor units separated by commas: ${
      typeof value === 'string' ? costToServeProblem(value) : 'not a string'
    }`;
  }
}
