// Lets plain Node import the TypeScript test doubles: Node strips the types itself, this only
// resolves the extensionless relative imports (`./http-double`) that TypeScript allows.
import { registerHooks } from 'node:module';

const relative = /^\.\.?\//;
const hasExtension = /\.[cm]?[jt]s$/;

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (relative.test(specifier) && !hasExtension.test(specifier)) {
        return nextResolve(`${specifier}.ts`, context);
      }
      throw error;
    }
  },
});
