// The original's `take_subset`, as a process of its own for original-concurrency.test.mjs:
// takes COUNT items at once from NAME with the client CLIENT (an index into CLIENTS) and
// prints them as JSON.
//   node original-take-subset.mjs SOCKET NAME CLIENT COUNT
import { SortedSet } from '../../pkg/index.mjs';
import { CLIENTS } from './helpers.mjs';

const [socket, name, client, count] = process.argv.slice(2);
const conn = await CLIENTS[Number(client)].connect(socket);
// The original's Serializer: loads=int, dumps=str.
const ss = new SortedSet(conn.client, name, { serializer: { loads: (t) => Number.parseInt(t, 10), dumps: String } });
console.log(JSON.stringify(await ss.take(Number(count))));
await conn.close();
