// Stands in for the optional react-devtools-core in the compiled binary (see build.ts).
export default {
  initialize() {
    throw new Error('React DevTools are not bundled into lakehouse; unset DEV to run the TUI');
  },
  connectToDevTools() {},
};
