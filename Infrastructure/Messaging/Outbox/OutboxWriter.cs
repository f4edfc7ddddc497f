using System.Text.Json;

namespace TaskManager.Infrastructure.Messaging.Outbox;

/// <summary>Writes a message to the outbox inside the caller's transaction. Task changes write their events
/// in their own SQL (the row is built there); this is for messages made in C#.</summary>
public sealed class OutboxWriter(OutboxMessageTypes types)
{
    private const string Sql = "INSERT INTO outbox_messages (message_type, body) VALUES (@Type, @Body::jsonb)";

    public Task EnqueueAsync<T>(NpgsqlConnection connection, NpgsqlTransaction? transaction, T message, CancellationToken ct) where T : class =>
        connection.ExecuteAsync(new CommandDefinition(Sql,
            new { Type = types.NameOf<T>(), Body = JsonSerializer.Serialize(message, OutboxMessageTypes.Json) },
            transaction, cancellationToken: ct));
}
