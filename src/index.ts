// One bundle for both steps: the post step is told apart by the state main saved.
import { run } from './main.js'
import { post } from './post.js'

if (process.env.STATE_isPost === 'true') await post()
else await run()
