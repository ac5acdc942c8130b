// The UML runner lives in src/lab/uml.ts (the bench uses it too); tests import it from here.
export { runInUml, UmlError, UML_INIT, type UmlResult } from '../../src/lab/uml.js';
