namespace TaskManager.Infrastructure.Auth;

/// <summary>The three roles and the policies built on them. A higher role includes the lower ones.</summary>
public static class Roles
{
    public const string User = "user";
    public const string Manager = "manager";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [User, Manager, Admin];
}

public static class Policies
{
    /// <summary>Any signed-in, active account.</summary>
    public const string User = "user";

    /// <summary>Managers and admins.</summary>
    public const string Manager = "manager";

    /// <summary>Admins only.</summary>
    public const string Admin = "admin";
}
