namespace TaskManager.Features.Tasks;

/// <summary>What a refused change of a task says, the same from every route that changes one.</summary>
public static class TaskProblems
{
    public const string MayNotChange =
        "Only the task's creator, its assignee, a manager or an admin may change it, or its project's editors and owners " +
        "(in a private project, only they and admins).";

    public const string Archived = "The task's project is archived: its tasks are read-only until it is unarchived.";
}
