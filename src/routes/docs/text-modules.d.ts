// The reference UI's files, imported as text by the Worker build (the "Text"
// module rule in wrangler.toml; vitest-pool-workers reads the same rule).
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const text: string;
  export default text;
}
declare module 'swagger-ui-dist/swagger-ui.css' {
  const text: string;
  export default text;
}
