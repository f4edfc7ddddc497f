using TaskManager.Features.Labels.CreateLabel;
using TaskManager.Features.Labels.DeleteLabel;
using TaskManager.Features.Labels.GetLabel;
using TaskManager.Features.Labels.ListLabels;
using TaskManager.Features.Labels.PatchLabel;

namespace TaskManager.Features.Labels;

public static class LabelsEndpoints
{
    public static void MapLabels(this IEndpointRouteBuilder app)
    {
        // Anyone signed in; who may read or manage a project's labels is decided in the SQL (ProjectAccess).
        var labels = app.MapGroup("/api/v2").WithTags("Labels (v2)").RequireAuthorization(Infrastructure.Auth.Policies.User);
        labels.MapListLabels();
        labels.MapCreateLabel();
        labels.MapGetLabel();
        labels.MapPatchLabel();
        labels.MapDeleteLabel();
    }
}
