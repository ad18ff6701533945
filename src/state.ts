// Names of the values main saves for the post step (STATE_<name> in the post's environment).
export const STATE = {
  isPost: 'isPost',
  workDir: 'workDir',
  registry: 'registry',
  logout: 'logout'
} as const
