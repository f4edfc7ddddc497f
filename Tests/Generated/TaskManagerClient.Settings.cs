using System.Text.Json;
using System.Text.Json.Serialization;

namespace TaskManager.Tests.Generated;

/// <summary>How an SDK user of the generated client sends a JSON Merge Patch: unset properties are left out, never sent
/// as null (which would clear the field). The generated code calls this hook when it builds its serializer options.</summary>
public partial class TaskManagerClient
{
    static partial void UpdateJsonSerializerSettings(JsonSerializerOptions settings) =>
        settings.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
}
