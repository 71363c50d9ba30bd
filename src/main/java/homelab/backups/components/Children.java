package homelab.backups.components;

import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import java.util.List;
import java.util.Map;

/** What every component's children share: the component as parent, explicit waits, named Kubernetes metadata. */
final class Children {
    private Children() {
    }

    /**
     * Every named Kubernetes child is deleted before a replacement is created: otherwise the provider creates the
     * "replacement" first — with server-side apply, an upsert of the very same object — and then deletes the
     * original, which is that object (seen end to end with {@code up --replace}); for a patch, the delete takes our
     * fields back off the owner's object.
     */
    static CustomResourceOptions of(Resource parent, List<Resource> dependsOn) {
        return named(parent, dependsOn).build();
    }

    static CustomResourceOptions.Builder named(Resource parent, List<Resource> dependsOn) {
        return CustomResourceOptions.builder().parent(parent).dependsOn(dependsOn).deleteBeforeReplace(true);
    }

    static ObjectMetaArgs meta(String name, String namespace, Map<String, String> annotations) {
        var meta = ObjectMetaArgs.builder().name(name).namespace(namespace);
        if (!annotations.isEmpty()) meta.annotations(annotations);
        return meta.build();
    }
}
