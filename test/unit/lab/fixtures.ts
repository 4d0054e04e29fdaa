// Lab files shared by the lab, tools and expect unit tests. Each is a string
// of YAML, so the tests go through the same path as a lab file on disk:
// labFromYaml → schema → normalize.
import { labFromYaml } from '../../../harness/lab/load.js';
import type { Host, Lab } from '../../../harness/lab/model.js';

/** Two hosts, two links (the second also IPv6), impairments, endpoints, events. */
export const TWO_HOST = `description: two hosts, two paths
group: join
tags: [join, add_addr]
hosts:
  client:
    sysctls: { net.mptcp.enabled: 1, net.ipv4.tcp_congestion_control: reno }
    limits: { subflows: 2, add_addr_accepted: 1 }
    endpoints:
      - { link: l2, flags: [subflow], dev: true, id: 2 }
  server:
    limits: { subflows: 2 }
    endpoints:
      - { link: l2, family: 6, flags: [signal], port: 10100 }
      - { address: 198.18.1.2, id: 9, flags: [signal, backup] }
links:
  - between: [client, server]
    rate: 20mbit
    loss: 1%
    from:
      server: { rate: 5mbit }
  - between: [client, server]
    ipv6: true
    delay: 10ms
    queue: 50
workload:
  client: client
  server: server
  connect: l2
  size: 4MB
  bind: l1
events:
  - at: 1.5s
    link-down: l1
  - at: 2s
    link-up: l1
  - at: 500ms
    endpoint-add: { host: server, link: l1, flags: [signal], id: 7 }
  - at: 3s
    endpoint-delete: { host: server, id: 7 }
  - at: 3s
    backup: { host: client, link: l2 }
  - at: 4s
    impair: { link: l1, from: client, loss: 5% }
  - at: 5
    shell: { host: server, command: ip -s link }
`;

/** A chain client – r1 – r2 – server: only the routers forward. */
export function chainYaml(ipv6 = false): string {
  const v6 = ipv6 ? '\n    ipv6: true' : '';
  return `hosts:
  client:
  r1: { forward: true }
  r2: { forward: true }
  server:
links:
  - between: [client, r1]${v6}
  - between: [r1, r2]${v6}
  - between: [r2, server]${v6}
workload:
  client: client
  server: server
  connect: l3
`;
}

export function lab(text: string, file = 'labs/test/fixture.lab.yaml'): Lab {
  return labFromYaml(text, file);
}

export function host(l: Lab, name: string): Host {
  const h = l.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`fixture: no host ${name}`);
  return h;
}

/** A small lab with `extra` YAML appended at the top level (events:, expect:, ...). */
export function minimal(extra = '', links = '  - between: [client, server]\n  - between: [client, server]\n'): string {
  return `hosts:\n  client:\n  server:\nlinks:\n${links}workload:\n  client: client\n  server: server\n  connect: l1\n${extra}`;
}
