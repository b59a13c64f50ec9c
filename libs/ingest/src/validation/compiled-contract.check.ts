import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';

/** A DTO class, as class-validator's metadata storage keys it. */
type DtoClass = abstract new (...args: never[]) => object;

/** True when a raw (JSON-parsed) value certainly passes the DTO's validation. */
type Check = (raw: Record<string, unknown>) => boolean;

interface PropertyCheck {
  readonly name: string;
  /** IsOptional / ValidateIf: all must hold for the property to be validated at all. */
  readonly conditions: readonly ((object: object, value: unknown) => boolean)[];
  /** IsDefined and every value constraint (IsString, Min, Matches, custom decorators...). */
  readonly constraints: readonly {
    readonly each: boolean;
    readonly validate: (value: unknown, args: ValidationArguments) => boolean;
    /** Reused between calls (one thread): value and object are set before each. */
    readonly args: ValidationArguments;
  }[];
  /** ValidateNested: the class its value becomes through @Type, and whether it is an array of them. */
  readonly nested?: { readonly check: Check; readonly each: boolean };
}

const compiled = new Map<DtoClass, Check>();

/**
 * A fast, accept-only check compiled from a DTO class's own class-validator and class-transformer metadata
 * (the decorators stay the one definition of the contract). It calls the same constraint functions that
 * validateSync calls, on the raw values, with the same whitelist, optional and nested rules, but without
 * building instances or error trees. False means "not certainly valid": the caller then runs
 * plainToInstance + validateSync for the exact errors. It must never say true where validateSync would
 * find an error (published-event.validator.spec.ts compares the two on generated and mutated events).
 */
export function compileContractCheck(dto: DtoClass): Check {
  const known = compiled.get(dto);
  if (known) return known;
  // Placeholder first, for classes that nest themselves.
  let check: Check = () => false;
  compiled.set(dto, (raw) => check(raw));
  check = build(dto);
  compiled.set(dto, check);
  return check;
}

function build(dto: DtoClass): Check {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(dto, '', true, false);
  const byProperty = new Map<string, typeof metadatas>();
  for (const m of metadatas) {
    if (!byProperty.has(m.propertyName)) byProperty.set(m.propertyName, []);
    byProperty.get(m.propertyName)!.push(m);
  }
  const properties: PropertyCheck[] = [];
  for (const [name, list] of byProperty) {
    const conditions = list
      .filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION)
      .map((m) => m.constraints[0] as (object: object, value: unknown) => boolean);
    const validators = list
      .filter((m) => m.type === ValidationTypes.CUSTOM_VALIDATION || m.type === ValidationTypes.IS_DEFINED)
      .map((m) => ({ m, constraints: storage.getTargetValidatorConstraints(m.constraintCls) }));
    if (validators.some(({ constraints }) => constraints.some((c) => c.async))) return () => false;
    const constraints = validators.flatMap(({ m, constraints: list }) =>
      list.map((c) => ({
        each: m.each === true,
        validate: remembered(
          c.name,
          c.instance.validate.bind(c.instance) as (value: unknown, args: ValidationArguments) => boolean,
        ),
        args: {
          targetName: dto.name,
          property: name,
          constraints: m.constraints,
          value: undefined,
          object: {},
        },
      })),
    );
    const nestedMeta = list.find((m) => m.type === ValidationTypes.NESTED_VALIDATION);
    let nested: PropertyCheck['nested'];
    if (nestedMeta) {
      const type = defaultMetadataStorage.findTypeMetadata(dto, name)?.typeFunction() as DtoClass | undefined;
      // Nested without @Type stays a plain object, which validateSync refuses: never certainly valid.
      nested = { check: type ? compileContractCheck(type) : () => false, each: nestedMeta.each === true };
    }
    const unsupported = list.some(
      (m) =>
        m.type !== ValidationTypes.CONDITIONAL_VALIDATION &&
        m.type !== ValidationTypes.CUSTOM_VALIDATION &&
        m.type !== ValidationTypes.IS_DEFINED &&
        m.type !== ValidationTypes.NESTED_VALIDATION &&
        m.type !== ValidationTypes.WHITELIST,
    );
    if (unsupported) return () => false;
    properties.push({ name, conditions, constraints, nested });
  }
  const allowed = new Set(byProperty.keys());
  const checks = properties.map(compileProperty);

  return (raw) => {
    for (const key in raw) if (!allowed.has(key)) return false; // whitelist, forbidNonWhitelisted
    for (let i = 0; i < checks.length; i++) if (!checks[i](raw)) return false;
    return true;
  };
}

/** One property's check as a closure of its own (call sites stay monomorphic per property). */
function compileProperty(p: PropertyCheck): Check {
  const { name, conditions, constraints, nested } = p;
  return (raw) => {
    const value = raw[name];
    for (let i = 0; i < conditions.length; i++) if (!conditions[i](raw, value)) return true; // not validated
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i];
      const args = c.args;
      args.value = value;
      args.object = raw;
      if (c.each && Array.isArray(value)) {
        for (const item of value) if (!c.validate(item, args)) return false;
      } else if (!c.validate(value, args)) return false;
    }
    if (nested && value !== undefined) {
      if (nested.each) {
        if (!Array.isArray(value)) return false;
        for (const item of value) if (!isPlainObject(item) || !nested.check(item)) return false;
      } else if (!isPlainObject(value) || !nested.check(value)) return false;
    }
    return true;
  };
}

/**
 * Built-in constraints whose answer depends on nothing but the value and the decorator's options, and
 * whose values repeat across events (dates: an import's lines share a few thousand): their answers for
 * string values are remembered per decorated property, so each distinct date is parsed once.
 */
const REMEMBERED_CONSTRAINTS: ReadonlySet<string> = new Set(['isIso8601']);
const REMEMBERED_MAX = 10_000;

function remembered(
  name: string,
  validate: (value: unknown, args: ValidationArguments) => boolean,
): (value: unknown, args: ValidationArguments) => boolean {
  if (!REMEMBERED_CONSTRAINTS.has(name)) return validate;
  const answers = new Map<string, boolean>();
  return (value, args) => {
    if (typeof value !== 'string') return validate(value, args);
    const known = answers.get(value);
    if (known !== undefined) return known;
    const answer = validate(value, args);
    if (answers.size >= REMEMBERED_MAX) answers.clear();
    answers.set(value, answer);
    return answer;
  };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
