// pg's Client on its own (pg/lib/client.js, an export of the pg package): the
// package's index also loads its pool and the native-binding switch, which no
// command uses. The type is the one @types/pg gives the index's Client.
declare module "pg/lib/client.js" {
  import type { Client } from "pg";

  const ClientClass: typeof Client;
  export default ClientClass;
}
