// The seed tutorial's React Native screen (section 2.10), rewritten with RelayKit's client kit.
//
// The seed kept one module-level socket and did
//   useEffect(() => { socket.on('sendMessageFromBack', (m) => setMessage(m)) }, [message]);
// which adds a listener on every message and never removes one, and keeps only the last message.
// Here useRelayClient owns the connection (closed on unmount), useRelayMessages subscribes once and
// keeps the last 100 messages with who sent them, and sending reports the relay's answer.
import { useState } from 'react';
import { Button, FlatList, SafeAreaView, StyleSheet, Text, TextInput, View } from 'react-native';
import type { MessageContent, RelayMessage } from 'relaykit/client';
import { useRelayClient, useRelayMessages } from 'relaykit/react';

// On a phone, "localhost" is the phone: use the address of the machine running `npm start`.
const RELAY_URL = 'http://192.168.1.10:3000';

const KIND_LABELS = { user: '', bot: 'bot', http: 'announcement', schedule: 'schedule', system: 'relay' };

function text(content: MessageContent): string {
  if (typeof content === 'string') return content;
  return typeof content.text === 'string' ? content.text : JSON.stringify(content);
}

function MessageRow({ message }: { message: RelayMessage }) {
  const { from, at } = message.meta;
  const label = KIND_LABELS[from.kind];
  return (
    <View style={styles.message}>
      <Text style={styles.from}>
        {from.name}
        {label ? ` · ${label}` : ''} · {new Date(at).toLocaleTimeString()}
      </Text>
      <Text>{text(message.content)}</Text>
    </View>
  );
}

export default function App() {
  // React Native has no XHR polling worth using: go straight to WebSocket.
  const client = useRelayClient(RELAY_URL, {
    name: 'John',
    room: 'general',
    socket: { transports: ['websocket'] },
  });
  const { messages, status } = useRelayMessages(client, { limit: 100 });
  const [draft, setDraft] = useState('Hello John !');
  const [error, setError] = useState('');

  const send = async () => {
    if (!client || draft.trim() === '') return;
    try {
      const answer = await client.send(draft);
      if (answer.ok) setDraft('');
      else setError(`${answer.error.message} (${answer.error.code})`);
    } catch (failure) {
      // Not connected, or no answer in time: the draft stays so it can be sent again.
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };

  return (
    <SafeAreaView style={styles.screen}>
      <Text accessibilityRole="header" style={styles.title}>
        #general · {status}
      </Text>
      <FlatList
        data={messages}
        keyExtractor={(message) => message.meta.id}
        renderItem={({ item }) => <MessageRow message={item} />}
      />
      {error ? (
        <Text accessibilityLiveRegion="polite" style={styles.error}>
          {error}
        </Text>
      ) : null}
      <View style={styles.composer}>
        <TextInput
          accessibilityLabel="Message"
          style={styles.input}
          value={draft}
          onChangeText={(value) => {
            setDraft(value);
            setError('');
          }}
          onSubmitEditing={send}
          returnKeyType="send"
        />
        <Button title="Send Message" onPress={send} disabled={status !== 'connected'} />
      </View>
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, padding: 16 },
  title: { fontSize: 18, fontWeight: '600', marginBottom: 8 },
  message: { paddingVertical: 6, borderBottomWidth: StyleSheet.hairlineWidth, borderColor: '#ccc' },
  from: { fontSize: 12, color: '#666' },
  error: { color: '#b91c1c', marginVertical: 4 },
  composer: { flexDirection: 'row', alignItems: 'center', gap: 8, paddingTop: 8 },
  input: { flex: 1, borderWidth: 1, borderColor: '#ccc', borderRadius: 8, padding: 8 },
});
