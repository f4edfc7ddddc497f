using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using TaskManager.Features.Accounts.ChangePassword;
using TaskManager.Features.Accounts.Login;
using TaskManager.Features.Accounts.Logout;
using TaskManager.Features.Accounts.RefreshToken;
using TaskManager.Features.Accounts.Register;
using TaskManager.Features.Accounts.SetUserActive;
using TaskManager.Features.Accounts.SetUserRoles;
using TaskManager.Features.Batch.RunBatch;
using TaskManager.Features.Comments.CreateComment;
using TaskManager.Features.Comments.PatchComment;
using TaskManager.Features.Labels.CreateLabel;
using TaskManager.Features.Labels.PatchLabel;
using TaskManager.Features.Projects.CreateProject;
using TaskManager.Features.Projects.PatchProject;
using TaskManager.Features.Projects.SetProjectMember;
using TaskManager.Features.Tasks.CreateTask;
using TaskManager.Features.Tasks.PatchTask;
using TaskManager.Features.Tasks.UpdateTask;
using TaskManager.Features.Tokens.CreateToken;
using TaskManager.Features.Webhooks.CreateWebhook;
using TaskManager.Features.Webhooks.PatchWebhook;

namespace TaskManager.Infrastructure.OpenApi;

/// <summary>Which fields of each JSON request body a client must send. Request records take every field as nullable, so
/// that a missing one is a 400 naming it rather than a binding failure, and the generator would mark all of them required
/// and nullable; here a required field is non-null and every other one optional (absent and null mean the same).</summary>
internal static class RequestFields
{
    private static readonly Dictionary<string, string[]> Required = new()
    {
        [nameof(RegisterRequest)] = ["username", "email", "password"],
        [nameof(LoginRequest)] = ["username", "password"],
        [nameof(RefreshTokenRequest)] = ["refresh_token"],
        [nameof(LogoutRequest)] = ["refresh_token"],
        [nameof(CreateTaskRequest)] = ["task_name", "priority"],
        [nameof(UpdateTaskRequest)] = [],
        [nameof(CreateTaskV2Request)] = ["task_name", "priority"],
        [nameof(TaskPatch)] = [],
        [nameof(SetUserRolesRequest)] = ["roles"],
        [nameof(SetUserActiveRequest)] = ["active"],
        [nameof(ChangePasswordRequest)] = ["current_password", "new_password"],
        [nameof(CreateWebhookRequest)] = ["url", "events"],
        [nameof(PatchWebhookRequest)] = [],
        [nameof(CreateProjectRequest)] = ["name"],
        [nameof(ProjectPatch)] = [],
        [nameof(SetProjectMemberRequest)] = ["role"],
        [nameof(CreateLabelRequest)] = ["name"],
        [nameof(LabelPatch)] = [],
        [nameof(CreateCommentRequest)] = ["body"],
        [nameof(CommentPatch)] = [],
        [nameof(CreateTokenRequest)] = ["name", "scopes"],
        [nameof(BatchRequest)] = ["operations"],
        [nameof(BatchOperation)] = ["method", "path"],
    };

    // Optional fields that may not be null either: a merge patch cannot remove a task's name or its done flag.
    private static readonly Dictionary<string, string[]> NeverNull = new()
    {
        [nameof(TaskPatch)] = ["task_name", "done"],
        [nameof(PatchWebhookRequest)] = ["url", "events", "active"],
        [nameof(ProjectPatch)] = ["name", "visibility", "archived"],
        [nameof(LabelPatch)] = ["name"],
        [nameof(CommentPatch)] = ["body"],
    };

    public static Task Apply(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        foreach (var (id, required) in Required)
        {
            if (document.Components?.Schemas?.TryGetValue(id, out var found) is not true || found is not OpenApiSchema schema)
            {
                continue; // not in this document
            }
            schema.Required = new HashSet<string>(required);
            foreach (var name in required)
            {
                if (schema.Properties?.TryGetValue(name, out var candidate) is not true || candidate is not OpenApiSchema { Type: { } type } property)
                {
                    throw new InvalidOperationException($"{id} has no property '{name}' to require.");
                }
                property.Type = type & ~JsonSchemaType.Null;
            }
        }
        foreach (var (id, fields) in NeverNull)
        {
            if (document.Components?.Schemas?.TryGetValue(id, out var found) is true && found is OpenApiSchema schema)
            {
                foreach (var name in fields)
                {
                    if (schema.Properties?.TryGetValue(name, out var candidate) is true && candidate is OpenApiSchema { Type: { } type } property)
                    {
                        property.Type = type & ~JsonSchemaType.Null;
                    }
                }
            }
        }
        InlineJsonObjects(document);
        return Task.CompletedTask;
    }

    // A JsonElement (a batch operation's body and answer) is any JSON object: said inline, since an empty shared schema
    // behind a nullable oneOf reads to SDK generators as a discriminator they cannot resolve.
    private static void InlineJsonObjects(OpenApiDocument document)
    {
        if (document.Components?.Schemas?.Remove("JsonElement") is not true)
        {
            return;
        }
        foreach (var schema in document.Components.Schemas.Values.OfType<OpenApiSchema>())
        {
            foreach (var (name, property) in schema.Properties?.ToList() ?? [])
            {
                var refersToIt = property is OpenApiSchemaReference { Reference.Id: "JsonElement" } ||
                                 (property is OpenApiSchema { OneOf: { } one } && one.OfType<OpenApiSchemaReference>().Any(r => r.Reference.Id == "JsonElement"));
                if (refersToIt || (property is OpenApiSchema { Type: null, OneOf: null, AnyOf: null, AllOf: null } && name == "body"))
                {
                    schema.Properties![name] = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "A JSON object." };
                }
            }
        }
    }
}
