using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using TaskManager.Features.Accounts.Login;
using TaskManager.Features.Accounts.Logout;
using TaskManager.Features.Accounts.RefreshToken;
using TaskManager.Features.Accounts.Register;
using TaskManager.Features.Accounts.SetUserActive;
using TaskManager.Features.Accounts.SetUserRoles;
using TaskManager.Features.Batch.RunBatch;
using TaskManager.Features.Comments.CreateComment;
using TaskManager.Features.Comments.PatchComment;
using TaskManager.Features.Projects.CreateProject;
using TaskManager.Features.Projects.PatchProject;
using TaskManager.Features.Projects.SetProjectMember;
using TaskManager.Features.Tasks.CreateTask;
using TaskManager.Features.Tasks.UpdateTask;
using TaskManager.Features.Tokens.CreateToken;
using TaskManager.Features.Webhooks.CreateWebhook;
using TaskManager.Features.Webhooks.PatchWebhook;

namespace TaskManager.Infrastructure.OpenApi;

/// <summary>An example for each JSON request body, in the wire's snake_case: the interactive docs prefill them and
/// SDK generators copy them into their documentation. Written as JSON so they read exactly as a client sends them.</summary>
public static class RequestExamples
{
    private static readonly Dictionary<Type, string> Examples = new()
    {
        [typeof(RegisterRequest)] = """{"username":"alice","email":"alice@example.com","password":"correct-horse-battery-1"}""",
        [typeof(LoginRequest)] = """{"username":"alice","password":"correct-horse-battery-1"}""",
        [typeof(RefreshTokenRequest)] = """{"refresh_token":"q0v3Y8mGQ1m8sXbqkJ0bq1lH2n4s3wVt9y7k5c6a8e0"}""",
        [typeof(LogoutRequest)] = """{"refresh_token":"q0v3Y8mGQ1m8sXbqkJ0bq1lH2n4s3wVt9y7k5c6a8e0"}""",
        [typeof(CreateTaskRequest)] = """{"task_name":"Write the release notes","description":"Cover the import changes.","status":false,"priority":"HIGH","assigned_user_id":2}""",
        [typeof(UpdateTaskRequest)] = """{"status":true,"priority":"LOW"}""",
        [typeof(SetUserRolesRequest)] = """{"roles":["user","manager"]}""",
        [typeof(SetUserActiveRequest)] = """{"active":false}""",
        [typeof(CreateWebhookRequest)] = """{"url":"https://ci.example.com/hooks/taskmanager","events":["task.created","task.updated"],"description":"CI"}""",
        [typeof(PatchWebhookRequest)] = """{"active":true}""",
        [typeof(CreateProjectRequest)] = """{"name":"Launch","description":"Everything for the Q3 launch","visibility":"private"}""",
        [typeof(ProjectPatch)] = """{"archived":true}""",
        [typeof(SetProjectMemberRequest)] = """{"role":"editor"}""",
        [typeof(CreateCommentRequest)] = """{"body":"Blocked on the API review; I will pick it up on Monday."}""",
        [typeof(CommentPatch)] = """{"body":"Unblocked: the review is done."}""",
        [typeof(BatchRequest)] = """{"atomic":true,"operations":[{"method":"POST","path":"/api/v2/tasks","body":{"task_name":"Plan the launch","priority":"HIGH"}},{"method":"PATCH","path":"/api/v2/tasks/42","if_match":"\"3\"","body":{"done":true}},{"method":"DELETE","path":"/api/v2/comments/7"}]}""",
        [typeof(CreateTokenRequest)] = """{"name":"CI nightly export","scopes":["tasks:read","imports"],"expires_in_days":30}""",
    };

    public static Task AddExample(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (Examples.TryGetValue(context.JsonTypeInfo.Type, out var example))
        {
            schema.Examples = [JsonNode.Parse(example)!];
        }
        return Task.CompletedTask;
    }
}
