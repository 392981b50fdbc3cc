// The floor: a bare Node HTTP server answering fixed bytes (GET) and reading a body before
// answering 201 (POST). Whatever Handover adds is measured against this, in the same run.
import { createServer } from 'node:http';

const body = process.env.FLOOR_BODY ?? '{}';
const server = createServer((request, response) => {
  if (request.method === 'POST') {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      response.writeHead(201, { 'content-type': 'application/fhir+json', location: '/fhir/Patient/x/_history/1' });
      response.end(body);
    });
  } else {
    response.writeHead(200, { 'content-type': 'application/fhir+json' });
    response.end(body);
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
