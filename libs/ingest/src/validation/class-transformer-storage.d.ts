// class-transformer ships the metadata storage that plainToInstance reads (@Type) as cjs/storage.js, with its
// declarations under types/: this joins the two for the compiled contract check.
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
