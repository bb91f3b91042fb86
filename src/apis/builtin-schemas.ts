/**
 * Loads every built-in schema definition (each module registers its definitions with `def`).
 * Import this once before using `builtinDefinitions`.
 */
import './meta/v1.js';
import './core/v1-pod.js';
import './core/v1.js';
import './apps/v1.js';
import './batch/v1.js';
import './autoscaling/v1.js';
import './policy/v1.js';
import './networking/v1.js';
import './networking/v1beta1.js';
import './discovery/v1.js';
import './coordination/v1.js';
import './events/v1.js';
import './rbac/v1.js';
import './authorization/v1.js';
import './authentication/v1.js';
import './apiextensions/v1.js';
import './admissionregistration/v1.js';
import './extensions/v1beta1.js';

export { builtinDefinitions } from './schema/builders.js';
