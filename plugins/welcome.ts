// welcome: greets people who join a room. Settings (relay config, `bots.welcome`):
//   text:  the greeting; {name} and {room} are replaced (default "Welcome to {room}, {name}!")
//   rooms: rooms to greet in (default: every room but the lobby, where the relay greets already)
import { defineBot } from 'relaykit';
import { z } from 'zod';

export default defineBot({
  name: 'welcome',
  description: 'Greets people who join a room',
  configSchema: z
    .object({
      text: z.string().min(1).default('Welcome to {room}, {name}!'),
      rooms: z.array(z.string()).optional(),
    })
    .strict(),
  setup(bot) {
    bot.on('presence', (event) => {
      // A resumed join is someone reconnecting (after a relay restart): welcomed once already.
      if (event.type !== 'join' || event.resumed || event.user.kind !== 'user') return;
      const greets = bot.config.rooms ? bot.config.rooms.includes(event.room) : event.room !== 'lobby';
      if (!greets) return;
      const text = bot.config.text.replaceAll('{name}', event.user.name).replaceAll('{room}', event.room);
      return bot.send(text, { room: event.room });
    });
  },
});
