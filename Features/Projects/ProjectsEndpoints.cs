using TaskManager.Features.Projects.CreateProject;
using TaskManager.Features.Projects.DeleteProject;
using TaskManager.Features.Projects.GetProject;
using TaskManager.Features.Projects.ListProjectMembers;
using TaskManager.Features.Projects.ListProjects;
using TaskManager.Features.Projects.PatchProject;
using TaskManager.Features.Projects.RemoveProjectMember;
using TaskManager.Features.Projects.SetProjectMember;

namespace TaskManager.Features.Projects;

public static class ProjectsEndpoints
{
    public static void MapProjects(this IEndpointRouteBuilder app)
    {
        // Anyone signed in; what each caller may read or change is decided in the SQL (ProjectAccess).
        var projects = app.MapGroup("/api/v2/projects").WithTags("Projects (v2)").RequireAuthorization(Infrastructure.Auth.Policies.User);
        projects.MapCreateProject();
        projects.MapListProjects();
        projects.MapGetProject();
        projects.MapPatchProject();
        projects.MapDeleteProject();
        projects.MapListProjectMembers();
        projects.MapSetProjectMember();
        projects.MapRemoveProjectMember();
    }

    /// <summary>Which projects a caller may read, which every task read is scoped by.</summary>
    public static IHostApplicationBuilder AddProjects(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ProjectScope>();
        return builder;
    }
}
