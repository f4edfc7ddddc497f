using System.Reflection;
using System.Text.Json;

namespace TaskManager.Infrastructure.Http;

/// <summary>Runs the FluentValidation validator of each endpoint parameter that has one, after refusing a NUL
/// character in any text the request carries (PostgreSQL cannot store it, so no slice may meet one). The lookup
/// happens once per endpoint at start-up; endpoints with nothing to check get no filter at all.</summary>
public static class ValidationFilter
{
    public static TBuilder WithValidation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilterFactory(static (factoryContext, next) =>
        {
            var services = factoryContext.ApplicationServices;
            var parameters = factoryContext.MethodInfo.GetParameters();
            var validated = parameters
                .Select((parameter, index) => (Index: index, Validator: FindValidator(services, parameter)))
                .Where(p => p.Validator is not null)
                .ToArray();
            var texts = parameters.Select((parameter, index) => (Index: index, Fields: TextFields.Of(parameter))).Where(p => p.Fields.Length > 0).ToArray();
            if (validated.Length == 0 && texts.Length == 0)
            {
                return next;
            }

            return async invocationContext =>
            {
                foreach (var (index, fields) in texts)
                {
                    if (TextFields.FirstWithNul(invocationContext.Arguments[index], fields) is { } field)
                    {
                        return Problem.Invalid(field, $"{field} must not contain NUL characters.");
                    }
                }
                foreach (var (index, validator) in validated)
                {
                    if (invocationContext.Arguments[index] is not { } argument)
                    {
                        continue;
                    }
                    var result = await validator!.ValidateAsync(new ValidationContext<object>(argument), invocationContext.HttpContext.RequestAborted);
                    if (!result.IsValid)
                    {
                        return Invalid(result);
                    }
                }
                return await next(invocationContext);
            };
        });
        return builder;
    }

    /// <summary>The 400 of a failed validation, each message under the field name a client sends.</summary>
    public static Problem Invalid(FluentValidation.Results.ValidationResult result) =>
        Problem.Invalid(result.Errors
            .GroupBy(e => FieldName(e.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()));

    private static IValidator? FindValidator(IServiceProvider services, ParameterInfo parameter) =>
        services.GetService(typeof(IValidator<>).MakeGenericType(parameter.ParameterType)) as IValidator;

    /// <summary>"AssignedUserId" becomes "assigned_user_id", "Roles[0]" becomes "roles[0]": the names clients send.</summary>
    public static string FieldName(string propertyPath) =>
        string.Join('.', propertyPath.Split('.').Select(part =>
        {
            var bracket = part.IndexOf('[');
            return bracket < 0
                ? JsonNamingPolicy.SnakeCaseLower.ConvertName(part)
                : JsonNamingPolicy.SnakeCaseLower.ConvertName(part[..bracket]) + part[bracket..];
        }));
}
