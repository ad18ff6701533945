// The action's entry point (action.yml `main`). There is no post step: main cleans up itself.
import { runStep } from './main.js'
import { loadTagLibraries } from './tags/index.js'

// Libraries that only some inputs need (moment for {{date}}) load before the plan, and only then.
const inputs = Object.entries(process.env).filter(([name]) => name.startsWith('INPUT_'))
await loadTagLibraries(inputs.map(([, value]) => value ?? ''))
await runStep()
