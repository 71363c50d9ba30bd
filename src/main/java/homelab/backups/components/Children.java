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

    static CustomResourceOptions of(Resource parent, List<Resource> dependsOn) {
        return CustomResourceOptions.builder().parent(parent).dependsOn(dependsOn).build();
    }

    static ObjectMetaArgs meta(String name, String namespace, Map<String, String> annotations) {
        var meta = ObjectMetaArgs.builder().name(name).namespace(namespace);
        if (!annotations.isEmpty()) meta.annotations(annotations);
        return meta.build();
    }
}
