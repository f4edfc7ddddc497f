namespace TaskManager.Infrastructure.OpenApi;

/// <summary>The OpenAPI facts of a JSON request body, declared on its record in its slice: the fields a client must send
/// (the constructor's names, wire spelling), the optional ones that may not be null either, and an example as a client
/// sends it. Request records take every field as nullable, so that a missing one is a 400 naming it rather than a
/// binding failure; <see cref="RequestFields"/> turns these facts into the documents.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RequestBodyAttribute(params string[] required) : Attribute
{
    public string[] Required { get; } = required;

    /// <summary>Optional fields that may not be null: a merge patch cannot remove a task's name, for one.</summary>
    public string[] NeverNull { get; set; } = [];

    /// <summary>The interactive docs prefill it and SDK generators copy it into their documentation.</summary>
    public string? Example { get; set; }
}
