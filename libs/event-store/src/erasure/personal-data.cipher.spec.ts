import { randomBytes } from 'node:crypto';
import { decryptPersonalData, encryptPersonalData, ERASED } from './personal-data.cipher';

describe('personal data cipher (AES-256-GCM)', () => {
  const key = { keyId: 'k-1', key: randomBytes(32) };
  const fields = { name: 'Ada Lovelace', email: 'ada@example.org' };

  it('round-trips the fields and never carries them in clear', () => {
    const sealed = encryptPersonalData(fields, key, 'e-1');
    expect(JSON.stringify(sealed)).not.toContain('ada@example.org');
    expect(sealed.keyId).toBe('k-1');
    expect(decryptPersonalData(sealed, key.key, 'e-1')).toEqual(fields);
  });

  it('uses a fresh nonce per event', () => {
    expect(encryptPersonalData(fields, key, 'e-1').iv).not.toBe(encryptPersonalData(fields, key, 'e-1').iv);
  });

  it('yields the erased marker without a key', () => {
    expect(decryptPersonalData(encryptPersonalData(fields, key, 'e-1'), undefined, 'e-1')).toBe(ERASED);
  });

  it('refuses a ciphertext moved to another event, or a wrong key', () => {
    const sealed = encryptPersonalData(fields, key, 'e-1');
    expect(() => decryptPersonalData(sealed, key.key, 'e-2')).toThrow();
    expect(() => decryptPersonalData(sealed, randomBytes(32), 'e-1')).toThrow();
  });
});
