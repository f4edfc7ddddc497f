using TaskManager.Features.Comments.CreateComment;
using TaskManager.Features.Comments.DeleteComment;
using TaskManager.Features.Comments.GetComment;
using TaskManager.Features.Comments.ListComments;
using TaskManager.Features.Comments.PatchComment;

namespace TaskManager.Features.Comments;

public static class CommentsEndpoints
{
    public static void MapComments(this IEndpointRouteBuilder app)
    {
        // Anyone signed in; a comment exists for whoever reads its task (ProjectAccess, in each statement), and the
        // author, owner and admin rules are conditions of the statements that change one.
        var comments = app.MapGroup("/api/v2").WithTags("Comments (v2)").RequireAuthorization(Infrastructure.Auth.Policies.User);
        comments.MapListComments();
        comments.MapCreateComment();
        comments.MapGetComment();
        comments.MapPatchComment();
        comments.MapDeleteComment();
    }
}
