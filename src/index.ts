// The action's entry point (action.yml `main`). There is no post step: main cleans up itself.
import { runStep } from './main.js'

await runStep()
